"""Writers of eval-set files: normalized cases (with labels) in, a file in some tool's format out."""
