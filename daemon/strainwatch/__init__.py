"""strainwatch: watches a runner's training and warns before an overuse injury."""

__version__ = "0.1.0"
