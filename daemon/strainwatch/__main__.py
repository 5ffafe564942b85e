from strainwatch.cli.main import main

main()
