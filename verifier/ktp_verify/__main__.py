from ktp_verify.cli import main

raise SystemExit(main())
