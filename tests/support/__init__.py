"""What the tests share: fakes of the far sides, builders of files, configs and histories,
and the suite's clock. Test modules import from here, never from each other."""
