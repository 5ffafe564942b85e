from strainwatch.cli import main

main()
