"""Is a CVE about AI software? A rule-based, explainable classifier.

AI-relevant means the vulnerable product's *purpose* is building, training,
serving, orchestrating or using ML/AI models or LLM applications: ML/DL
frameworks, LLM orchestration libraries, model servers and inference
engines, LLM UIs and gateways, vector databases, ML experiment and pipeline
platforms, data-science notebooks (Jupyter), and LLM-powered applications.
General OS, web, database, crypto and network software is not, even when an
AI application runs on it (issue 5).

The decision, in order; the first rule that fires decides:

1. **CPE** — a *vulnerable* cpeMatch whose vendor or vendor:product is in
   :data:`AI_PRODUCTS` (platform CPEs with ``vulnerable: false`` are ignored:
   "runs on Linux" says nothing about the product).
2. **Package names** the caller knows from other sources (OSV ``affected``),
   PEP 503-normalised; ``"jupyterhub-*"`` in a product's packages covers its
   plugin namespace.
3. If the record has vulnerable CPEs and none is AI, NVD has named the
   product and it is not ours: only the *subject* of the description (its
   first sentence) may still name an AI product or use an LLM/AI term in the
   product's own name (NVD's lists lag new AI products).
4. Otherwise (no CPE yet, e.g. "Awaiting Analysis"): an AI product named
   anywhere in the description, with word boundaries, not in an incidental
   context ("such as PyTorch", "used by", "in front of Ollama") unless a
   version bound follows the name ("as used in TensorFlow before 1.7.1").
5. A definitional sentence: "X is a/an ... machine learning / LLM / AI ...".

Bare words prove nothing: "ray", "transformer", "notebook", "agent", "model",
"chroma", "aim", "feast" and "h2o" only count in a product-specific form
(``Anyscale Ray``, ``huggingface/transformers``, ``Jupyter Notebook``,
``ChromaDB``, ``h2o-3`` ...). The list is maintained here; add an entry with
its CPE vendor/product, package names and description pattern together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from threatvec.vulns.nvd import CveRecord

__all__ = ["AI_PRODUCTS", "AiProduct", "RelevanceDecision", "classify", "find_ai_product_in_text"]


@dataclass(frozen=True)
class RelevanceDecision:
    """The verdict, a one-line reason, and what matched (CPE, package or phrase)."""

    ai_relevant: bool
    reason: str
    matched: str | None = None
    rule: str = "none"  # cpe | package | subject | description | definition | none


@dataclass(frozen=True)
class AiProduct:
    """One AI product: how NVD (CPE), package registries and prose name it."""

    name: str
    category: str
    cpe: tuple[str, ...] = ()  # "vendor:*" (all of a vendor), "vendor:product", "*:product"
    packages: tuple[str, ...] = ()
    text: tuple[str, ...] = ()  # regex fragments; word boundaries are added


def _p(
    name: str,
    category: str,
    cpe: Iterable[str] = (),
    packages: Iterable[str] = (),
    text: Iterable[str] = (),
) -> AiProduct:
    return AiProduct(name, category, tuple(cpe), tuple(packages), tuple(text))


FW, LLMLIB, SERVE, UI, VDB, MLOPS, NB, APP, LABEL, GEN = (
    "ML/DL framework",
    "LLM orchestration library",
    "model server / inference engine",
    "LLM UI / gateway",
    "vector database",
    "ML experiment / pipeline platform",
    "data-science notebook",
    "LLM / AI application",
    "ML data labelling",
    "generative image model tooling",
)

#: The maintained list. Order does not matter; each entry stands alone.
AI_PRODUCTS: tuple[AiProduct, ...] = (
    # --- LLM orchestration and agents
    _p(
        "LangChain",
        LLMLIB,
        [
            "langchain:*",
            "langchain-ai:*",
            "*:langchain",
            "*:langchain_experimental",
            "*:langchain-experimental",
            "*:langchain_community",
            "*:langchainjs",
            "*:langgraph",
            "*:langsmith",
            "*:langchain4j",
        ],
        [
            "langchain",
            "langchain-experimental",
            "langchain-community",
            "langchain-core",
            "langgraph",
            "langchainjs",
            "@langchain/core",
            "langsmith",
        ],
        [
            r"lang[ _-]?chain(?:[_-]\w+)?",
            r"LanChain",
            r"langgraph",
            r"langsmith",
            r"LLMMathChain",
            r"PALChain",
        ],
    ),
    _p(
        "LlamaIndex",
        LLMLIB,
        ["llamaindex:*", "run-llama:*", "*:llama_index", "*:llamaindex", "*:llama-index"],
        ["llama-index", "llama_index", "llama-index-core"],
        [r"llama[ _-]?index(?:[_-]\w+)?"],
    ),
    _p(
        "Haystack",
        LLMLIB,
        ["deepset:*"],
        ["farm-haystack", "haystack-ai"],
        [r"deepset[ -]haystack", r"haystack-ai", r"farm-haystack"],
    ),
    _p(
        "Semantic Kernel",
        LLMLIB,
        ["*:semantic_kernel", "*:semantic-kernel"],
        ["semantic-kernel"],
        [r"semantic[ _-]kernel"],
    ),
    _p(
        "AutoGPT",
        APP,
        ["significant-gravitas:*", "*:autogpt"],
        ["autogpt", "metagpt"],
        [r"auto-?gpt", r"agentgpt", r"superagi", r"babyagi", r"metagpt"],
    ),
    _p(
        "CrewAI / AutoGen / smolagents",
        LLMLIB,
        ["crewai:*", "*:crewai", "*:autogen", "*:smolagents", "*:pyautogen"],
        ["crewai", "autogen", "pyautogen", "smolagents", "autogen-agentchat"],
        [r"crewai", r"(?-i:AutoGen)", r"smolagents", r"pyautogen"],
    ),
    _p(
        "Langflow",
        LLMLIB,
        ["langflow:*", "langflow-ai:*", "*:langflow"],
        ["langflow"],
        [r"langflow"],
    ),
    _p("Flowise", LLMLIB, ["flowiseai:*", "*:flowise"], ["flowise"], [r"flowise(?:ai)?"]),
    _p("Dify", APP, ["langgenius:*", "*:dify"], ["dify"], [r"(?-i:Dify)", r"langgenius"]),
    _p(
        "Embedchain / PandasAI / Vanna",
        LLMLIB,
        ["embedchain:*", "sinaptik-ai:*", "*:pandasai", "vanna-ai:*", "*:vanna", "*:embedchain"],
        ["embedchain", "pandasai", "vanna"],
        [r"embedchain", r"pandas-?ai", r"vanna(?:\.ai|-ai)"],
    ),
    _p("MindsDB", APP, ["mindsdb:*", "*:mindsdb"], ["mindsdb"], [r"mindsdb"]),
    _p("DB-GPT", APP, ["eosphoros-ai:*", "*:db-gpt"], ["dbgpt"], [r"db-gpt"]),
    _p(
        "Model Context Protocol",
        LLMLIB,
        ["modelcontextprotocol:*", "*:mcp_python_sdk"],
        ["mcp"],
        [r"model context protocol", r"mcp[ -]servers?(?:-\w+)?"],
    ),
    # --- ML/DL frameworks and libraries
    _p(
        "PyTorch",
        FW,
        ["linuxfoundation:pytorch", "pytorch:*", "*:pytorch", "*:torch"],
        ["torch", "pytorch"],
        [r"pytorch", r"torch\.\w+", r"pytorch/pytorch"],
    ),
    _p(
        "PyTorch Lightning",
        FW,
        ["lightningai:*", "pytorchlightning:*", "*:pytorch_lightning", "*:pytorch-lightning"],
        ["pytorch-lightning", "lightning"],
        [r"pytorch[ _-]lightning", r"lightning[ -]ai"],
    ),
    _p(
        "TensorFlow",
        FW,
        [
            "google:tensorflow",
            "tensorflow:*",
            "*:tensorflow",
            "*:tensorflow-gpu",
            "*:tensorflow-cpu",
            "*:tensorflow_serving",
        ],
        ["tensorflow", "tensorflow-gpu", "tensorflow-cpu", "tf-nightly", "tensorflow-serving-api"],
        [r"tensor[ ]?flow(?:[ _-]serving)?"],
    ),
    _p("Keras", FW, ["keras:*", "keras-team:*", "*:keras"], ["keras", "tf-keras"], [r"keras"]),
    _p(
        "JAX / Flax",
        FW,
        ["*:jax", "*:flax"],
        ["jax", "jaxlib", "flax"],
        [r"(?-i:JAX) (?:library|framework)", r"google/jax", r"jaxlib"],
    ),
    _p(
        "scikit-learn",
        FW,
        ["scikit-learn:*", "*:scikit-learn", "*:scikit_learn", "*:sklearn"],
        ["scikit-learn", "sklearn"],
        [r"scikit[ _-]learn", r"sklearn"],
    ),
    _p(
        "XGBoost / LightGBM / CatBoost",
        FW,
        ["xgboost:*", "*:xgboost", "*:lightgbm", "*:catboost", "yandex:catboost"],
        ["xgboost", "lightgbm", "catboost"],
        [r"xgboost", r"lightgbm", r"catboost"],
    ),
    _p(
        "PaddlePaddle",
        FW,
        ["paddlepaddle:*", "baidu:paddlepaddle", "*:paddlepaddle"],
        ["paddlepaddle", "paddlepaddle-gpu", "paddlenlp", "paddleocr"],
        [r"paddle ?paddle", r"paddle\.\w+", r"paddle(?:nlp|ocr|hub|detection)"],
    ),
    _p(
        "MindSpore",
        FW,
        ["huawei:mindspore", "mindspore:*", "*:mindspore"],
        ["mindspore"],
        [r"mindspore"],
    ),
    _p(
        "Apache MXNet / Caffe / Theano",
        FW,
        ["apache:mxnet", "*:mxnet", "bvlc:caffe", "*:caffe", "*:theano"],
        ["mxnet", "theano"],
        [r"mxnet", r"(?-i:Caffe2?)", r"theano"],
    ),
    _p(
        "DeepSpeed / Megatron",
        FW,
        [
            "microsoft:deepspeed",
            "*:deepspeed",
            "nvidia:megatron-lm",
            "nvidia:megatron_lm",
            "nvidia:nemo",
            "nvidia:nemo_framework",
            "nvidia:nemo_curator",
            "nvidia:merlin_transformers4rec",
            "nvidia:nvflare",
            "nvidia:apex",
        ],
        ["deepspeed", "megatron-core", "nemo-toolkit", "nvflare", "transformers4rec"],
        [
            r"deepspeed",
            r"megatron-lm",
            r"nvidia nemo",
            r"nemo framework",
            r"nvflare",
            r"transformers4rec",
        ],
    ),
    _p(
        "ONNX",
        FW,
        [
            "linuxfoundation:onnx",
            "onnx:*",
            "*:onnx",
            "microsoft:onnx_runtime",
            "microsoft:onnxruntime",
            "*:onnxruntime",
        ],
        ["onnx", "onnxruntime", "onnxruntime-gpu"],
        [r"onnx(?:[ _-]?runtime)?"],
    ),
    _p(
        "Hugging Face libraries",
        FW,
        [
            "huggingface:*",
            "*:huggingface_hub",
            "*:diffusers",
            "*:safetensors",
            "*:text-generation-inference",
            "*:text_generation_inference",
        ],
        [
            "transformers",
            "huggingface-hub",
            "huggingface_hub",
            "diffusers",
            "accelerate",
            "safetensors",
            "datasets",
            "tokenizers",
            "peft",
            "trl",
            "sentence-transformers",
            "text-generation-inference",
            "timm",
        ],
        [
            r"hugging ?face(?:[/_-]\w+)?",
            r"hugging ?face transformers",
            r"sentence[ _-]transformers",
            r"diffusers",
            r"safetensors",
            r"text[ _-]generation[ _-]inference",
        ],
    ),
    _p(
        "NLP toolkits (spaCy, NLTK, Gensim, fastai)",
        FW,
        ["nltk:*", "*:nltk", "explosion:spacy", "*:spacy", "*:gensim", "*:fastai"],
        ["nltk", "spacy", "gensim", "fastai"],
        [r"nltk", r"natural language toolkit", r"spacy", r"gensim", r"fastai"],
    ),
    _p(
        "Ultralytics / Detectron",
        FW,
        ["ultralytics:*", "*:ultralytics", "*:detectron2"],
        ["ultralytics", "detectron2"],
        [r"ultralytics", r"detectron2", r"yolov\d+"],
    ),
    _p(
        "Jubatus / TemporAI",
        FW,
        ["*:jubatus", "*:temporai"],
        ["jubatus", "temporai"],
        [r"jubatus", r"temporai"],
    ),
    _p(
        "vantage6 (federated learning)",
        FW,
        ["iknl:vantage6", "*:vantage6"],
        ["vantage6", "vantage6-node", "vantage6-server", "vantage6-client"],
        [r"vantage6"],
    ),
    _p(
        "Horovod / nnabla / Sockeye",
        FW,
        ["*:horovod", "linuxfoundation:horovod", "sony:nnabla", "*:nnabla", "*:sockeye"],
        ["horovod", "nnabla", "sockeye"],
        [r"horovod", r"nnabla", r"neural network libraries", r"(?-i:Sockeye)"],
    ),
    _p(
        "Rasa / ParlAI",
        LLMLIB,
        ["rasa:*", "*:rasa", "*:rasa_pro", "facebook:parlai", "*:parlai"],
        ["rasa", "rasa-pro", "parlai"],
        [r"(?-i:Rasa)(?: (?:Open Source|Pro|X))?", r"parlai"],
    ),
    # --- model servers and inference engines
    _p("Ollama", SERVE, ["ollama:*", "*:ollama"], ["ollama"], [r"ollama"]),
    _p("vLLM", SERVE, ["vllm:*", "vllm-project:*", "*:vllm"], ["vllm"], [r"vllm"]),
    _p(
        "llama.cpp / ggml",
        SERVE,
        [
            "ggerganov:*",
            "ggml:*",
            "ggml-org:*",
            "*:llama.cpp",
            "*:llama_cpp",
            "*:llama-cpp-python",
            "*:llama_cpp_python",
            "*:whisper.cpp",
            "*:llamafile",
            "mozilla:llamafile",
        ],
        ["llama-cpp-python", "ggml"],
        [
            r"llama\.cpp",
            r"llama[_-]cpp(?:[_-]python)?",
            r"ggml",
            r"gguf",
            r"llamafile",
            r"whisper\.cpp",
        ],
    ),
    _p(
        "Ray (Anyscale)",
        SERVE,
        ["anyscale:*", "ray-project:*", "ray:ray"],
        ["ray"],
        [
            r"anyscale",
            r"ray-project",
            r"(?-i:Ray) (?-i:(?:Dashboard|Jobs?|Serve|Train|Tune|"
            r"cluster|clusters|framework|AI|Data|RLlib|Client|API))",
        ],
    ),
    _p(
        "NVIDIA Triton / TensorRT",
        SERVE,
        [
            "nvidia:triton_inference_server",
            "nvidia:triton",
            "nvidia:tensorrt",
            "nvidia:tensorrt-llm",
            "nvidia:tensorrt_llm",
            "nvidia:tensorrt_model_optimizer",
        ],
        ["tritonclient", "tensorrt", "tensorrt-llm"],
        [r"triton inference server", r"nvidia triton", r"tensorrt(?:[ _-]llm)?"],
    ),
    _p("TorchServe", SERVE, ["*:torchserve"], ["torchserve"], [r"torchserve"]),
    _p(
        "TensorFlow Serving / KServe / Seldon / MLServer",
        SERVE,
        ["kserve:*", "*:kserve", "seldon:*", "*:seldon_core", "*:mlserver"],
        ["kserve", "seldon-core", "mlserver"],
        [r"kserve", r"seldon(?:[ -]core)?", r"mlserver"],
    ),
    _p(
        "BentoML",
        SERVE,
        ["bentoml:*", "*:bentoml", "*:openllm"],
        ["bentoml", "openllm"],
        [r"bentoml", r"openllm"],
    ),
    _p(
        "LocalAI / GPT4All / Xinference / LMDeploy / SGLang",
        SERVE,
        [
            "localai:*",
            "mudler:localai",
            "*:localai",
            "nomic-ai:*",
            "*:gpt4all",
            "xorbitsai:*",
            "*:xinference",
            "*:inference",
            "internlm:lmdeploy",
            "*:lmdeploy",
            "*:sglang",
            "sgl-project:*",
            "lostruins:*",
            "*:koboldcpp",
            "*:exllamav2",
            "*:mlc-llm",
        ],
        ["gpt4all", "xinference", "lmdeploy", "sglang", "exllamav2"],
        [
            r"localai",
            r"gpt4all",
            r"xinference",
            r"lmdeploy",
            r"sglang",
            r"koboldcpp",
            r"exllama(?:v2)?",
            r"mlc[ -]llm",
        ],
    ),
    _p(
        "OpenVINO",
        SERVE,
        ["intel:openvino", "*:openvino", "intel:openvino_model_server"],
        ["openvino"],
        [r"openvino"],
    ),
    # --- LLM UIs and gateways
    _p(
        "Gradio",
        UI,
        ["gradio_project:*", "gradio-app:*", "gradio:*", "*:gradio"],
        ["gradio", "gradio-client"],
        [r"gradio(?:[_-]app|[_-]client)?"],
    ),
    _p(
        "Open WebUI",
        UI,
        ["openwebui:*", "open-webui:*", "*:open_webui", "*:open-webui"],
        ["open-webui"],
        [r"open[ -]?webui"],
    ),
    _p(
        "text-generation-webui",
        UI,
        [
            "oobabooga:*",
            "*:text-generation-webui",
            "*:text_generation_web_ui",
            "*:text_generation_webui",
        ],
        [],
        [r"text[ _-]generation[ _-]web[ _-]?ui", r"oobabooga"],
    ),
    _p("LiteLLM", UI, ["berriai:*", "*:litellm"], ["litellm"], [r"litellm", r"berriai"]),
    _p(
        "AnythingLLM",
        UI,
        ["mintplexlabs:*", "*:anythingllm", "*:anything-llm", "*:anything_llm"],
        [],
        [r"anything[ -]?llm", r"mintplex"],
    ),
    _p(
        "LLM chat UIs",
        UI,
        [
            "lobehub:*",
            "*:lobe-chat",
            "*:lobe_chat",
            "danny-avila:*",
            "*:librechat",
            "*:nextchat",
            "*:chatgpt-next-web",
            "chatgptnextweb:*",
            "*:big-agi",
            "*:chatbot-ui",
            "*:sillytavern",
            "*:chuanhuchatgpt",
            "gaizhenbiao:*",
            "binary-husky:*",
            "*:gpt_academic",
            "*:h2ogpt",
            "lm-sys:*",
            "lmsys:*",
            "*:fastchat",
            "imartinez:*",
            "zylon-ai:*",
            "*:privategpt",
            "*:private_gpt",
            "stangirard:*",
            "*:quivr",
            "quivrhq:*",
            "danswer-ai:*",
            "*:danswer",
            "infiniflow:*",
            "*:ragflow",
            "labring:*",
            "*:fastgpt",
            "1panel-dev:maxkb",
            "*:maxkb",
            "khoj-ai:*",
            "*:khoj",
            "parisneo:*",
            "*:lollms",
            "*:lollms-webui",
            "*:lollms_web_ui",
            "*:lollms-web-ui",
            "lunary:*",
            "*:lunary",
            "langfuse:*",
            "*:langfuse",
            "helicone:*",
            "*:jan",
        ],
        ["fschat", "h2ogpt", "private-gpt", "langfuse", "lunary", "chuanhuchatgpt"],
        [
            r"lobe[ -]?chat",
            r"librechat",
            r"nextchat",
            r"chatgpt[ -]next[ -]web",
            r"big-agi",
            r"chatbot[ -]ui",
            r"sillytavern",
            r"chuanhu ?chatgpt",
            r"gpt[_-]academic",
            r"h2ogpt",
            r"fastchat",
            r"private ?gpt",
            r"quivr",
            r"danswer",
            r"ragflow",
            r"fastgpt",
            r"maxkb",
            r"(?-i:Khoj)",
            r"lollms(?:[_-]web[_-]?ui)?",
            r"lunary",
            r"langfuse",
            r"helicone",
        ],
    ),
    _p(
        "LLM vendors' applications",
        APP,
        [
            "openai:*",
            "anthropic:*",
            "anysphere:*",
            "github:copilot",
            "microsoft:copilot",
            "microsoft:365_copilot",
            "microsoft:copilot_studio",
            "google:gemini_cli",
            "*:claude_code",
            "*:codex_cli",
        ],
        ["openai", "anthropic"],
        [
            r"chatgpt",
            r"(?-i:OpenAI)",
            r"claude code",
            r"(?-i:Copilot)",
            r"gemini cli",
            r"(?-i:Cursor) (?:AI )?(?:code )?editor",
        ],
    ),
    # --- vector databases
    _p(
        "Milvus",
        VDB,
        ["milvus:*", "zilliz:*", "milvus-io:*", "*:milvus"],
        ["pymilvus"],
        [r"milvus", r"zilliz"],
    ),
    _p("Qdrant", VDB, ["qdrant:*", "*:qdrant"], ["qdrant-client"], [r"qdrant"]),
    _p("Weaviate", VDB, ["weaviate:*", "*:weaviate"], ["weaviate-client"], [r"weaviate"]),
    _p(
        "Chroma",
        VDB,
        ["trychroma:*", "chroma-core:*", "*:chromadb"],
        ["chromadb"],
        [r"chromadb", r"chroma(?: vector)? (?:database|db)", r"chroma-core"],
    ),
    _p("pgvector", VDB, ["pgvector:*", "*:pgvector"], ["pgvector"], [r"pgvector"]),
    _p(
        "Pinecone / LanceDB / Marqo / Vald / FAISS",
        VDB,
        [
            "pinecone:*",
            "lancedb:*",
            "*:lancedb",
            "marqo-ai:*",
            "*:marqo",
            "vdaas:*",
            "*:vald",
            "*:faiss",
        ],
        ["pinecone-client", "lancedb", "marqo", "faiss-cpu", "faiss-gpu"],
        [r"pinecone", r"lancedb", r"marqo", r"(?-i:FAISS)"],
    ),
    # --- ML experiment and pipeline platforms
    _p(
        "MLflow",
        MLOPS,
        ["lfprojects:mlflow", "databricks:mlflow", "mlflow:*", "*:mlflow"],
        ["mlflow", "mlflow-skinny"],
        [r"mlflow"],
    ),
    _p(
        "Apache Submarine / SystemDS",
        MLOPS,
        ["apache:submarine", "apache:systemds", "*:systemds"],
        ["apache-submarine", "systemds"],
        [r"apache[ -]submarine", r"systemds"],
    ),
    _p(
        "Qlib",
        MLOPS,
        ["microsoft:qlib", "*:qlib", "*:pyqlib"],
        ["pyqlib"],
        [r"py(?-i:qlib)", r"(?-i:[Qq]lib)"],
    ),
    _p(
        "Kubeflow",
        MLOPS,
        ["kubeflow:*", "*:kubeflow", "*:kubeflow_pipelines"],
        ["kfp", "kubeflow"],
        [r"kubeflow"],
    ),
    _p(
        "ClearML",
        MLOPS,
        ["clearml:*", "allegroai:*", "*:clearml"],
        ["clearml"],
        [r"clearml", r"allegro ?ai"],
    ),
    _p("Aim", MLOPS, ["aimstack:*"], ["aim"], [r"aimstack"]),
    _p(
        "H2O.ai",
        MLOPS,
        ["h2o:*", "h2oai:*", "*:h2o-3", "*:h2o_3", "*:h2o_wave"],
        ["h2o", "h2o-wave", "h2ogpt"],
        [r"h2o-3", r"h2o\.ai", r"h2oai", r"h2o wave"],
    ),
    _p(
        "ZenML / MLRun / Metaflow / Feast / Weights & Biases",
        MLOPS,
        [
            "zenml:*",
            "*:zenml",
            "iguazio:mlrun",
            "mlrun:*",
            "*:mlrun",
            "netflix:metaflow",
            "*:metaflow",
            "feast-dev:*",
            "*:wandb",
            "wandb:*",
            "polyaxon:*",
            "determined-ai:*",
            "*:determined",
        ],
        ["zenml", "mlrun", "metaflow", "feast", "wandb", "polyaxon", "determined"],
        [
            r"zenml",
            r"mlrun",
            r"metaflow",
            r"feast feature store",
            r"feast-dev",
            r"weights (?:&|and) biases",
            r"wandb",
            r"polyaxon",
            r"determined ai",
        ],
    ),
    _p(
        "Label Studio / CVAT / doccano / Argilla",
        LABEL,
        [
            "heartex:*",
            "humansignal:*",
            "*:label_studio",
            "*:label-studio",
            "cvat-ai:*",
            "opencv:cvat",
            "*:cvat",
            "doccano:*",
            "*:doccano",
            "argilla:*",
            "*:argilla",
        ],
        ["label-studio", "cvat-sdk", "doccano", "argilla"],
        [r"label[ -]studio", r"(?-i:CVAT)", r"doccano", r"argilla"],
    ),
    # --- notebooks
    _p(
        "Jupyter",
        NB,
        [
            "jupyter:*",
            "jupyterhub:*",
            "jupyterlab:*",
            "*:jupyterhub",
            "*:jupyterlab",
            "*:jupyter_server",
            "*:jupyter-server",
            "*:jupyter_notebook",
            "*:nbconvert",
            "*:nbdime",
            "*:notebook",
            "*:voila",
            "*:jupyter_core",
        ],
        [
            "jupyter",
            "notebook",
            "jupyterlab",
            "jupyter-server",
            "jupyter-server-proxy",
            "jupyterhub",
            "nbconvert",
            "nbdime",
            "jupyter-core",
            "voila",
            "ipykernel",
            "nbgitpuller",
            "oauthenticator",
            "binderhub",
            # Extensions and spawners publish under Jupyter's own prefixes.
            "jupyter-*",
            "jupyterhub-*",
            "jupyterlab-*",
        ],
        [
            r"jupyter(?:[ _-]?(?:lab|hub|server|notebook|core)s?)?",
            r"nbconvert",
            r"nbdime",
            r"nbgitpuller",
            r"binderhub",
        ],
    ),
    # --- image generation tooling
    _p(
        "Stable Diffusion tooling",
        GEN,
        [
            "comfyanonymous:*",
            "*:comfyui",
            "automatic1111:*",
            "*:stable-diffusion-webui",
            "*:stable_diffusion_web_ui",
            "invoke-ai:*",
            "invoke:*",
            "*:invokeai",
            "*:fooocus",
            "*:kohya_ss",
        ],
        ["invokeai"],
        [r"comfyui", r"stable[ -]diffusion", r"automatic1111", r"invokeai", r"fooocus", r"kohya"],
    ),
)

# "*:notebook" is only Jupyter's when the vendor agrees; Zoho or others ship
# "notebook" products too. These product names need an AI vendor.
_AMBIGUOUS_PRODUCTS = frozenset({"notebook", "inference", "jan", "determined", "voila", "torch"})


def _norm(token: str) -> str:
    return token.strip().lower().replace(" ", "_")


def _pkg_key(name: str) -> str:
    # PEP 503 normalisation: "Jupyter_Server" and "jupyter.server" are one package.
    return re.sub(r"[-_.]+", "-", name.strip().lower())


def _package_product(name: str) -> AiProduct | None:
    key = _pkg_key(name)
    if key in _PACKAGES:
        return _PACKAGES[key]
    for prefix, prod in _PACKAGE_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return prod
    return None


def _build_cpe_index() -> tuple[
    dict[str, AiProduct], dict[tuple[str, str], AiProduct], dict[str, AiProduct]
]:
    vendors: dict[str, AiProduct] = {}
    pairs: dict[tuple[str, str], AiProduct] = {}
    products: dict[str, AiProduct] = {}
    for prod in AI_PRODUCTS:
        for spec in prod.cpe:
            vendor, _, product = spec.partition(":")
            vendor, product = _norm(vendor), _norm(product)
            if product == "*":
                vendors[vendor] = prod
            elif vendor == "*":
                products[product] = prod
            else:
                pairs[(vendor, product)] = prod
    return vendors, pairs, products


_CPE_VENDORS, _CPE_PAIRS, _CPE_PRODUCTS = _build_cpe_index()
_PACKAGES: Mapping[str, AiProduct] = {
    _pkg_key(pkg): prod for prod in AI_PRODUCTS for pkg in prod.packages if not pkg.endswith("*")
}
# "jupyterhub-*": a product whose plugins share its name as a prefix.
_PACKAGE_PREFIXES: tuple[tuple[str, AiProduct], ...] = tuple(
    (_pkg_key(pkg[:-1]), prod) for prod in AI_PRODUCTS for pkg in prod.packages if pkg.endswith("*")
)

# Word boundaries that treat letters, digits and "_" as inside a word, so
# "torchvision" never matches "torch\.\w+" and "xlangchain" never matches.
_TEXT_PATTERNS: tuple[tuple[re.Pattern[str], AiProduct], ...] = tuple(
    (re.compile(rf"(?:{frag})", re.IGNORECASE), prod) for prod in AI_PRODUCTS for frag in prod.text
)
# One scan finds every candidate (a few hundred alternatives in one pattern is
# far faster than one pass per product); each hit is then attributed to its
# product by matching the hit text against the single patterns.
_ANY_PRODUCT = re.compile(
    r"(?<![A-Za-z0-9_])(?:"
    + "|".join(f"(?:{frag})" for prod in AI_PRODUCTS for frag in prod.text)
    + r")(?![A-Za-z0-9_])",
    re.IGNORECASE,
)

# A product named after one of these is mentioned, not vulnerable.
_INCIDENTAL = re.compile(
    r"(?:such as|like|e\.g\.,?|including|used by|used in|used with|in front of|alongside|"
    r"together with|for example|popular with|common in|dependenc(?:y|ies) of|relied on by|"
    r"integrations? (?:with|for)|as well as)\s+(?:[\w.\-/]+,?\s+){0,3}$",
    re.IGNORECASE,
)

# "Snappy 1.1.4, as used in TensorFlow before 1.7.1": a version bound after
# the name says that product's own releases are affected (it bundles the
# flaw), so the mention is not incidental. "as used in ChatGPT" stays one.
_VERSION_BOUND = re.compile(
    r"\s*(?:(?:versions?\s+)?(?:before|prior to|through|up to|<=?)\s*v?\d|v?\d+\.\d+)",
    re.IGNORECASE,
)

# LLM/AI terms that, in the subject of a description or a product's own
# definition, say the product's purpose is AI. Case-sensitive where the
# short form is an ordinary word in lower case.
_AI_TERMS = (
    r"machine[ -]learning|deep[ -]learning|(?-i:ML)|(?-i:AI)|(?-i:LLMs?)|"
    r"large language models?|generative (?:AI|artificial intelligence)|(?-i:GenAI)|"
    r"artificial intelligence|neural networks?|federated learning|"
    r"vector (?:database|similarity search|search engine)|"
    r"model (?:serving|inference)|inference (?:server|engine)|(?-i:MLOps)|"
    r"AI agents?|(?-i:RAG)|retrieval[ -]augmented generation|embeddings model|"
    r"ChatGPT|(?-i:GPT(?:-\w+)?)|language models?"
)
_DEFINITION = re.compile(
    r"(?<![\w.])(?:is|are)\s+(?:a|an|the)\s+((?:[\w\-/,'()&]+\s+){0,18}?)"
    rf"(?:{_AI_TERMS})(?![A-Za-z0-9_])",
    re.IGNORECASE,
)
_HEDGES = re.compile(r"\b(?:used|popular|common(?:ly)?|such as|including|like|often)\b", re.I)
_SUBJECT_AI = re.compile(rf"(?<![A-Za-z0-9_])(?:{_AI_TERMS})(?![A-Za-z0-9_])", re.IGNORECASE)
# Where the subject (the product name) of an NVD description usually ends.
_SUBJECT_END = re.compile(
    r"\b(?:is|are|was|were|has|have|had|contains?|allows?|suffers?|before|prior|through|"
    r"versions?|up to|does|did|could|can|may|might|when|where|via|due)\b",
    re.IGNORECASE,
)


def _first_sentence(text: str) -> str:
    # A period ends the sentence only before whitespace: "0.1.34" and
    # "llama.cpp" stay whole.
    m = re.search(r"\.\s", text)
    return text if m is None else text[: m.start()]


def find_ai_product_in_text(text: str) -> tuple[AiProduct, str] | None:
    """The first AI product named in ``text`` outside an incidental context."""
    for m in _ANY_PRODUCT.finditer(text):
        if _INCIDENTAL.search(text[max(0, m.start() - 60) : m.start()]) and not (
            _VERSION_BOUND.match(text, m.end())
        ):
            continue
        hit = m.group(0)
        for pattern, prod in _TEXT_PATTERNS:
            if pattern.fullmatch(hit):
                return prod, hit
    return None


def _cpe_product(vendor: str, product: str) -> AiProduct | None:
    v, p = _norm(vendor), _norm(product)
    if (v, p) in _CPE_PAIRS:
        return _CPE_PAIRS[(v, p)]
    if v in _CPE_VENDORS:
        return _CPE_VENDORS[v]
    if p in _CPE_PRODUCTS and p not in _AMBIGUOUS_PRODUCTS:
        return _CPE_PRODUCTS[p]
    return None


def _definition_hit(text: str) -> str | None:
    for m in _DEFINITION.finditer(text):
        between = m.group(1) or ""
        if "." in between or _HEDGES.search(between):
            continue
        return m.group(0).strip()
    return None


def _subject_hit(text: str) -> str | None:
    sentence = _first_sentence(text)
    end = _SUBJECT_END.search(sentence)
    subject = sentence if end is None else sentence[: end.start()]
    m = _SUBJECT_AI.search(subject)
    if m is None or _HEDGES.search(subject[: m.start()]):
        # "Airflow, a platform often used for machine learning" is still Airflow.
        return None
    return subject.strip()


def classify(cve: CveRecord, *, packages: Iterable[str] = ()) -> RelevanceDecision:
    """Decide whether ``cve`` is about AI software; the decision says why."""
    cpes = list(cve.cpe_matches(vulnerable_only=True))
    for m in cpes:
        prod = _cpe_product(m.vendor, m.product)
        if prod is not None:
            return RelevanceDecision(
                True,
                f"vulnerable CPE {m.vendor}:{m.product} is {prod.name} ({prod.category})",
                f"{m.vendor}:{m.product}",
                "cpe",
            )
    for pkg in packages:
        prod = _package_product(pkg)
        if prod is not None:
            return RelevanceDecision(
                True, f"affected package {pkg} is {prod.name} ({prod.category})", pkg, "package"
            )
    text = cve.description
    if cpes:
        names = sorted({f"{m.vendor}:{m.product}" for m in cpes})
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        subject = _first_sentence(text)
        hit = find_ai_product_in_text(subject)
        if hit is not None:
            prod, phrase = hit
            return RelevanceDecision(
                True,
                f"description subject names {prod.name} ({prod.category}); CPEs {shown} "
                "are not on the AI list yet",
                phrase,
                "subject",
            )
        subj = _subject_hit(text)
        if subj is not None:
            return RelevanceDecision(
                True, f"the product's own name is an AI/LLM term: {subj[:80]!r}", subj, "subject"
            )
        return RelevanceDecision(
            False, f"vulnerable CPEs {shown} are general software, not AI products", None, "cpe"
        )
    hit = find_ai_product_in_text(text)
    if hit is not None:
        prod, phrase = hit
        return RelevanceDecision(
            True,
            f"no CPE yet ({cve.vuln_status}); description names {prod.name} ({prod.category})",
            phrase,
            "description",
        )
    definition = _definition_hit(text)
    if definition is not None:
        return RelevanceDecision(
            True,
            f"description defines the product as AI software: {definition[:100]!r}",
            definition,
            "definition",
        )
    subj = _subject_hit(text)
    if subj is not None:
        return RelevanceDecision(
            True, f"the product's own name is an AI/LLM term: {subj[:80]!r}", subj, "subject"
        )
    reason = "no AI product in CPEs or description"
    if not text:
        reason = "no CPE and no description to decide from"
    return RelevanceDecision(False, reason, None, "none")
