"""Fakes shipped with the library so that tests (ours and users') exercise real code paths.

`stub_model_server` is a real OpenAI-compatible HTTP server for 127.0.0.1, so the whole LiteLLM path
(request building, HTTP, streaming, error mapping) runs in tests; `fake_client` is an in-process scripted
`LLMClient` for tests that are about the engine rather than the provider layer. Neither imports litellm.
"""
