"""The provider prefixes a `provider/model` id may start with, known without importing LiteLLM.

`run` resolves a model id against LiteLLM's providers (the conventional-key table in
`providers/model_ref.py` and the providers of LiteLLM's bundled price map); `validate` must refuse exactly
what `run` would refuse, yet cannot load that 1 MB map within its start-up budget. So the list is written
out here, and tests/test_validate_run_agree.py fails when it drifts from what `run` accepts (after a LiteLLM
upgrade, regenerate it from `DEFAULT_SECRETS | pricing.known_providers()`).
"""

from __future__ import annotations

KNOWN_PROVIDERS = frozenset(
    {
        "agentcore",
        "ai21",
        "aihubmix",
        "aiml",
        "amazon_nova",
        "anthropic",
        "anyscale",
        "apiserpent",
        "assemblyai",
        "aws_polly",
        "azure",
        "azure_ai",
        "azure_text",
        "baseten",
        "bedrock",
        "bedrock_converse",
        "bedrock_mantle",
        "bespoke",
        "bing_grounding",
        "black_forest_labs",
        "cerebras",
        "chatgpt",
        "cloudflare",
        "codestral",
        "cognition",
        "cohere",
        "cohere_chat",
        "coralbricks",
        "crusoe",
        "darkbloom",
        "dashscope",
        "databricks",
        "dataforseo",
        "deepgram",
        "deepinfra",
        "deepseek",
        "duckduckgo",
        "elevenlabs",
        "exa_ai",
        "fal_ai",
        "featherless_ai",
        "firecrawl",
        "fireworks_ai",
        "fireworks_ai-embedding-models",
        "friendliai",
        "gemini",
        "gigachat",
        "github_copilot",
        "gmi",
        "google_pse",
        "gradient_ai",
        "groq",
        "heroku",
        "hosted_vllm",
        "huggingface",
        "hyperbolic",
        "inception",
        "inferenceapis",
        "jina_ai",
        "lambda_ai",
        "laya",
        "lemonade",
        "libertai",
        "linkup",
        "llamafile",
        "llamagate",
        "lm_studio",
        "meta",
        "meta_llama",
        "microsoft_365_copilot",
        "minimax",
        "mistral",
        "moonshot",
        "morph",
        "nace",
        "nebius",
        "nimble",
        "nlp_cloud",
        "novita",
        "nscale",
        "nvidia_nim",
        "oci",
        "ollama",
        "ollama_chat",
        "openai",
        "openinfer",
        "openrouter",
        "ovhcloud",
        "parallel_ai",
        "perplexity",
        "pinstripes",
        "prism",
        "publicai",
        "qwen_ai_platform",
        "qwencloud",
        "recraft",
        "reducto",
        "replicate",
        "runwayml",
        "sagemaker",
        "sail",
        "sambanova",
        "sarvam",
        "scaledown",
        "scaleway",
        "scx-ai",
        "searxng",
        "serper",
        "snowflake",
        "soniox",
        "stability",
        "strands_decider",
        "tavily",
        "tencent",
        "tensormesh",
        "text-completion-codestral",
        "text-completion-inception",
        "text-completion-openai",
        "tinyfish",
        "together_ai",
        "transcribe",
        "typesafe",
        "v0",
        "vercel_ai_gateway",
        "vertex_ai",
        "vertex_ai-ai21_models",
        "vertex_ai-anthropic_models",
        "vertex_ai-deepseek_models",
        "vertex_ai-embedding-models",
        "vertex_ai-language-models",
        "vertex_ai-llama_models",
        "vertex_ai-minimax_models",
        "vertex_ai-mistral_models",
        "vertex_ai-moonshot_models",
        "vertex_ai-openai_models",
        "vertex_ai-qwen_models",
        "vertex_ai-text-models",
        "vertex_ai-video-models",
        "vertex_ai-zai_models",
        "volcengine",
        "voyage",
        "wandb",
        "watsonx",
        "xai",
        "xiaomi_mimo",
        "you_com",
        "zai",
    }
)

# The prefix of the scripted models that only aixgo's test client answers (aixgo_cli.testing.fake_client):
# the engine's tests load workflows naming them, so validate warns about them instead of refusing, and
# `run` with a real provider refuses them before any request.
TEST_ONLY_PREFIX = "fake"

# Go aixgo's Hugging Face organisations: `meta-llama/Llama-3...` means the huggingface provider.
HF_ORGS = ("meta-llama", "mistralai", "tiiuae", "EleutherAI", "bigscience", "facebook", "google", "microsoft")


def unknown_prefix(model: str) -> str | None:
    """The prefix of `provider/model` when LiteLLM knows no such provider, else None."""
    prefix, _, rest = model.partition("/")
    if not rest or prefix in KNOWN_PROVIDERS or prefix in HF_ORGS:
        return None
    return prefix


def looks_like_known_bare_model(model: str) -> bool:
    """A model written without a provider that LiteLLM still routes (its own names for OpenAI, Anthropic,
    Gemini and xAI models)."""
    return model.startswith(("gpt-", "o1", "o3", "o4", "claude-", "gemini-", "grok-", "chatgpt-"))
