"""The model provider layer: typed requests and responses, the `LLMClient` protocol and its layers.

A client is built by stacking small layers that each implement `LLMClient` (see `stack.build_client`):
recording -> retries -> circuit breaker -> rate limits -> the LiteLLM adapter. Each layer is testable on its
own, and only `litellm_client` imports litellm (lazily: the import costs ~3 s). Importing this package
imports nothing heavy.
"""
