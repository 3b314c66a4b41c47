from componentize.cli import main

main()
