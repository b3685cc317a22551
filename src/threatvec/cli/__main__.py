from threatvec.cli import main

main()
