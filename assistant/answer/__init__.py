"""The answer chain: condense -> retrieve -> compose (extractive or LLM) -> cite/verify -> refuse when unsupported."""
