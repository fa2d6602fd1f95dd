"""Everything the warehouse hands to people: CSV/XLSX exports, PNG charts and an HTML report."""
