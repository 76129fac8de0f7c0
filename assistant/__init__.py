"""政策助手 policy-assistant: cited answers over Chinese education policy texts."""

from assistant.config import disable_telemetry

disable_telemetry()
