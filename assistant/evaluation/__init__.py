"""The eval set and the regression runner (data lives in eval/ at the project root)."""
