"""``python -m engine.train``: the training loop's command line (:func:`engine.train.loop.main`)."""
from engine.train.loop import main

raise SystemExit(main())
