"""Word lists and distribution parameters of the synthetic demo corpus (demo_synthetic)."""

from __future__ import annotations

TOPICS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # category: (methods, objects, tasks)
    "cs.CL": (
        (
            "instruction tuning",
            "retrieval augmentation",
            "preference optimization",
            "chain-of-thought prompting",
            "speculative decoding",
            "tokenizer-free modelling",
        ),
        ("large language models", "multilingual encoders", "reward models", "dialogue agents"),
        ("question answering", "machine translation", "summarization", "code generation"),
    ),
    "cs.CV": (
        (
            "diffusion",
            "masked autoencoding",
            "contrastive pretraining",
            "neural radiance fields",
            "vision transformers",
            "token pruning",
        ),
        ("image generators", "video models", "3D scenes", "segmentation networks"),
        ("image restoration", "object detection", "novel view synthesis", "video editing"),
    ),
    "cs.LG": (
        (
            "federated learning",
            "meta-learning",
            "low-rank adaptation",
            "mixture of experts",
            "continual learning",
            "quantization",
        ),
        ("tiny devices", "graph neural networks", "world models", "sparse networks"),
        ("on-device training", "anomaly detection", "time-series forecasting", "generalization"),
    ),
    "cs.AI": (
        (
            "reinforcement learning",
            "planning",
            "tool use",
            "multi-agent debate",
            "program synthesis",
            "verifiable rewards",
        ),
        ("autonomous agents", "reasoning models", "knowledge graphs", "web agents"),
        ("long-horizon tasks", "theorem proving", "game playing", "scientific discovery"),
    ),
    "cs.SE": (
        (
            "low-code engineering",
            "static analysis",
            "fuzzing",
            "test generation",
            "program repair",
            "semantic web technologies",
        ),
        ("industrial IoT systems", "code assistants", "build pipelines", "microservices"),
        ("bug localisation", "vulnerability detection", "code review", "deployment"),
    ),
    "cs.DC": (
        (
            "pipeline parallelism",
            "serverless scheduling",
            "gradient compression",
            "elastic training",
            "KV-cache offloading",
            "edge offloading",
        ),
        ("GPU clusters", "inference servers", "edge devices", "parameter servers"),
        ("LLM serving", "distributed training", "stream processing", "load balancing"),
    ),
    "eess.IV": (
        (
            "deep unfolding",
            "implicit neural representations",
            "compressed sensing",
            "learned codecs",
            "self-supervised denoising",
            "super-resolution",
        ),
        ("MRI scanners", "satellite images", "microscopy data", "camera pipelines"),
        ("image reconstruction", "compression", "deblurring", "remote sensing"),
    ),
}
CATEGORY_WEIGHTS = {
    "cs.CL": 26,
    "cs.CV": 24,
    "cs.LG": 22,
    "cs.AI": 12,
    "cs.SE": 6,
    "cs.DC": 5,
    "eess.IV": 5,
}
SECONDARY = ("cs.LG", "cs.AI", "stat.ML", "cs.CL", "cs.CV", "cs.RO", "cs.IR")
INSTITUTIONS = (
    "University of Northbridge",
    "Eastlake Institute of Technology",
    "Westfield University",
    "Southport Research Centre",
    "Technical University Kessel",
    "Harbour City University",
    "Institute for Synthetic Studies",
)
VENUES = {
    "cs.CL": ("ACL", "EMNLP", "arXiv"),
    "cs.CV": ("CVPR", "ICCV", "arXiv"),
    "cs.LG": ("NeurIPS", "ICML", "arXiv"),
    "cs.AI": ("AAAI", "IJCAI", "arXiv"),
    "cs.SE": ("ICSE", "FSE", "arXiv"),
    "cs.DC": ("OSDI", "EuroSys", "arXiv"),
    "eess.IV": ("TIP", "ICIP", "arXiv"),
}
GROUP = 8
"""People per lab: co-authors mostly come from the lead author's lab."""
AUTHOR_COUNTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15)
AUTHOR_WEIGHTS = (4, 11, 17, 18, 15, 11, 8, 5, 4, 3, 2, 2)
GIVEN = (
    "Wei",
    "Yuki",
    "Anna",
    "Haoyu",
    "Maria",
    "David",
    "Priya",
    "Lukas",
    "Chen",
    "Sofia",
    "Omar",
    "Elena",
    "Jun",
    "Kirill",
    "Fatima",
    "Tomás",
    "Ines",
    "Ravi",
    "Zoë",
    "Mateo",
    "Hana",
    "Jonas",
    "Amara",
    "Noah",
    "Mei",
    "Darko",
    "Lea",
    "Arjun",
    "Sara",
    "Xue",
)
FAMILY = (
    "Li",
    "Wang",
    "Zhang",
    "Müller",
    "Garcia",
    "Kim",
    "Nguyen",
    "Ren",
    "Singh",
    "Rossi",
    "Dubois",
    "Ivanova",
    "Tanaka",
    "Okafor",
    "Novak",
    "Haddad",
    "Silva",
    "Anicic",
    "Chen",
    "Kowalski",
    "Johansson",
    "Yilmaz",
    "Costa",
    "Sato",
    "Fischer",
    "Liu",
    "Park",
    "Ahmed",
)
OPENINGS = (
    "We study {task} with {objects}, a setting where current approaches are costly and brittle.",
    "Recent progress in {objects} has made {task} practical, yet evaluation remains inconsistent.",
    "{Task} is a central problem for {objects}, but existing methods ignore {method}.",
)
MIDDLES = (
    "We propose {name}, which combines {method} with {method2} to make {objects} more robust.",
    "Our method, {name}, uses {method} to reduce the cost of {task} by an order of magnitude.",
    "We introduce {name}, a simple recipe built on {method} and {method2}.",
)
CLOSINGS = (
    "Experiments on {k} benchmarks show consistent gains over strong baselines.",
    "On {k} datasets {name} improves accuracy by {gain} points while using fewer parameters.",
    "Ablations show that {method} accounts for most of the improvement.",
)
