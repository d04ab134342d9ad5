from imagedrive.cli import main

main()
