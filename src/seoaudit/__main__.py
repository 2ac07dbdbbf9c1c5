from seoaudit.cli import main

main()
