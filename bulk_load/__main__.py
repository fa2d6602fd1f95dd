from bulk_load.cli import main

main()
