"""Word lists of the scale corpus (bench/scale_corpus.py): names of many cultures, research topics.

Names: common family and given names of the cultures that write most computer-science papers,
weighted roughly by their share of authorships, so that "Wei Wang" and "Y. Li" collide as they
do in real data. Topics: per arXiv category, methods, objects and tasks; titles and abstracts
are composed from a work's few topic terms, so texts vary while works of one topic share words.
"""

from __future__ import annotations

# culture: (weight, family names (most common first), given names, family name printed first?)
CULTURES: dict[str, tuple[float, tuple[str, ...], tuple[str, ...], bool]] = {
    "chinese": (
        0.34,
        ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu",
         "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Gao", "Luo", "Zheng", "Liang", "Xie",
         "Song", "Tang", "Han", "Feng", "Deng", "Cao", "Peng", "Zeng", "Xiao", "Tian", "Dong"),
        ("Wei", "Jing", "Li", "Min", "Jun", "Hao", "Yu", "Xin", "Lei", "Yang", "Jie", "Ying",
         "Hui", "Bo", "Tao", "Chao", "Peng", "Yan", "Fang", "Ning", "Xiaoming", "Jianhua",
         "Yifan", "Zhiwei", "Xiaoyu", "Haoyu", "Yichen", "Zihan", "Ruiqi", "Mingyu", "Qiang",
         "Lin", "Kai", "Rui", "Xu", "Chen", "Long", "Shuai", "Jiawei", "Yuxuan"),
        True,
    ),
    "anglo": (
        0.12,
        ("Smith", "Johnson", "Brown", "Williams", "Jones", "Miller", "Davis", "Wilson",
         "Taylor", "Anderson", "Thomas", "Moore", "Clark", "Lewis", "Walker", "Hall", "Young",
         "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Campbell", "Evans"),
        ("John", "Michael", "David", "James", "Robert", "Sarah", "Emily", "Daniel", "Laura",
         "Thomas", "Jennifer", "Matthew", "Andrew", "Jessica", "Christopher", "Rachel",
         "Kevin", "Rebecca", "Brian", "Amanda", "Mark", "Elizabeth", "Paul", "Hannah"),
        False,
    ),
    "indian": (
        0.10,
        ("Kumar", "Singh", "Sharma", "Patel", "Gupta", "Reddy", "Rao", "Das", "Jain", "Iyer",
         "Agarwal", "Mishra", "Verma", "Nair", "Shah", "Mehta", "Joshi", "Chatterjee", "Bose"),
        ("Rahul", "Amit", "Priya", "Anil", "Sanjay", "Deepak", "Vikram", "Ananya", "Arjun",
         "Pooja", "Rohit", "Sneha", "Karthik", "Aditya", "Neha", "Suresh", "Ravi", "Divya",
         "Manish", "Shreya", "Abhishek", "Lakshmi"),
        False,
    ),
    "korean": (
        0.05,
        ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han",
         "Oh", "Seo", "Shin", "Kwon"),
        ("Min-jun", "Seo-yeon", "Ji-hoon", "Hyun-woo", "Ji-won", "Soo-jin", "Dong-hyun",
         "Eun-ji", "Jae-won", "Young-ho", "Sung-min", "Hye-jin", "Jun-ho", "Ye-jin"),
        True,
    ),
    "japanese": (
        0.05,
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura",
         "Kobayashi", "Kato", "Yoshida", "Yamada", "Sasaki", "Matsumoto", "Inoue"),
        ("Hiroshi", "Takashi", "Yuki", "Kenji", "Akira", "Naoki", "Yusuke", "Haruka", "Yui",
         "Daisuke", "Kazuki", "Satoshi", "Tomoko", "Ryo", "Shota", "Aya"),
        False,
    ),
    "german": (
        0.06,
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
         "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf"),
        ("Andreas", "Stefan", "Thomas", "Michael", "Julia", "Katrin", "Jürgen", "Matthias",
         "Anna", "Lukas", "Tobias", "Sebastian", "Christina", "Florian", "Jörg", "Maximilian"),
        False,
    ),
    "french": (
        0.04,
        ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
         "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garnier", "François"),
        ("Jean", "Pierre", "Marie", "Nicolas", "Julien", "Camille", "Antoine", "Sophie",
         "Louis", "Claire", "Hélène", "François", "Mathieu", "Élodie", "Guillaume"),
        False,
    ),
    "hispanic": (
        0.06,
        ("García", "Rodríguez", "Martínez", "López", "González", "Hernández", "Pérez",
         "Sánchez", "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Morales"),
        ("José", "María", "Juan", "Carlos", "Luis", "Ana", "Jorge", "Sofía", "Diego", "Lucía",
         "Javier", "Pablo", "Alejandro", "Marta", "Andrés", "Fernando"),
        False,
    ),
    "vietnamese": (
        0.03,
        ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Phan", "Vu", "Dang", "Bui", "Do"),
        ("Minh", "Anh", "Duc", "Huong", "Linh", "Tuan", "Hung", "Thao", "Quang", "Lan",
         "Trung", "Hai"),
        True,
    ),
    "arabic": (
        0.04,
        ("Ahmed", "Hassan", "Ali", "Mohamed", "Ibrahim", "Mahmoud", "Khalil", "Saleh",
         "Omar", "Youssef", "Al-Hashimi", "El-Sayed"),
        ("Mohamed", "Ahmed", "Omar", "Fatima", "Youssef", "Khaled", "Layla", "Karim", "Nour",
         "Samir", "Amira", "Tarek"),
        False,
    ),
    "russian": (
        0.04,
        ("Ivanov", "Smirnov", "Kuznetsov", "Popov", "Vasiliev", "Petrov", "Sokolov",
         "Mikhailov", "Novikov", "Fedorov", "Morozov", "Volkov"),
        ("Alexander", "Dmitry", "Sergey", "Andrey", "Elena", "Olga", "Ivan", "Natalia",
         "Mikhail", "Anna", "Pavel", "Ekaterina"),
        False,
    ),
    "dutch": (
        0.03,
        ("de Vries", "van den Berg", "van Dijk", "Bakker", "Jansen", "Visser", "Smit",
         "de Jong", "van der Meer", "Mulder"),
        ("Jan", "Pieter", "Sanne", "Lars", "Femke", "Bram", "Joris", "Lotte", "Willem"),
        False,
    ),
    "italian": (
        0.04,
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
         "Marino", "Greco", "De Luca", "Conti"),
        ("Marco", "Giulia", "Luca", "Francesca", "Alessandro", "Chiara", "Matteo", "Sara",
         "Davide", "Elena", "Lorenzo", "Federica"),
        False,
    ),
}  # fmt: skip

INSTITUTIONS = (
    "Tsinghua University", "Peking University", "Zhejiang University", "Fudan University",
    "Shanghai Jiao Tong University", "University of Science and Technology of China",
    "Massachusetts Institute of Technology", "Stanford University", "Carnegie Mellon University",
    "University of California, Berkeley", "University of Washington", "University of Toronto",
    "ETH Zurich", "EPFL", "University of Oxford", "University of Cambridge",
    "Technical University of Munich", "Max Planck Institute for Informatics", "Inria",
    "KAIST", "Seoul National University", "University of Tokyo", "Kyoto University",
    "Indian Institute of Science", "IIT Bombay", "National University of Singapore",
    "Nanyang Technological University", "University of Amsterdam", "Sapienza University of Rome",
    "Universidad Politécnica de Madrid", "Moscow Institute of Physics and Technology",
    "Google Research", "Microsoft Research", "Meta AI", "Siemens AG", "Alibaba Group",
    "Tencent AI Lab", "Huawei Noah's Ark Lab", "Samsung Research", "NVIDIA",
)  # fmt: skip

# category: (weight, methods, objects, tasks)
TOPICS: dict[str, tuple[float, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "cs.LG": (
        0.20,
        ("federated learning", "meta-learning", "low-rank adaptation", "mixture of experts",
         "continual learning", "quantization", "knowledge distillation", "contrastive learning",
         "variational inference", "gradient clipping", "pruning", "self-supervised pretraining"),
        ("graph neural networks", "transformers", "tiny devices", "world models",
         "sparse networks", "normalizing flows", "kernel machines", "decision trees"),
        ("time-series forecasting", "anomaly detection", "tabular prediction",
         "out-of-distribution generalization", "on-device training", "active learning",
         "recommendation", "causal effect estimation"),
    ),
    "cs.CV": (
        0.18,
        ("diffusion", "masked autoencoding", "neural radiance fields", "vision transformers",
         "token pruning", "optical flow estimation", "Gaussian splatting", "test-time adaptation",
         "feature pyramids", "deformable convolutions"),
        ("image generators", "video models", "3D scenes", "segmentation networks",
         "point clouds", "event cameras", "satellite images", "medical scans"),
        ("image restoration", "object detection", "novel view synthesis", "video editing",
         "pose estimation", "semantic segmentation", "image super-resolution",
         "visual tracking"),
    ),
    "cs.CL": (
        0.16,
        ("instruction tuning", "retrieval augmentation", "preference optimization",
         "chain-of-thought prompting", "speculative decoding", "tokenizer-free modelling",
         "in-context learning", "constrained decoding", "back-translation", "probing"),
        ("large language models", "multilingual encoders", "reward models", "dialogue agents",
         "morphological analyzers", "speech recognizers", "sequence-to-sequence models"),
        ("question answering", "machine translation", "summarization", "code generation",
         "named entity recognition", "sentiment analysis", "fact verification",
         "text simplification", "dependency parsing"),
    ),
    "cs.AI": (
        0.08,
        ("reinforcement learning", "planning", "tool use", "multi-agent debate",
         "program synthesis", "verifiable rewards", "Monte Carlo tree search",
         "answer set programming", "constraint propagation"),
        ("autonomous agents", "reasoning models", "knowledge graphs", "web agents",
         "belief networks", "ontologies"),
        ("long-horizon tasks", "theorem proving", "game playing", "scientific discovery",
         "scheduling", "commonsense reasoning"),
    ),
    "cs.RO": (
        0.05,
        ("imitation learning", "model predictive control", "sim-to-real transfer",
         "visual servoing", "SLAM", "grasp planning"),
        ("legged robots", "manipulators", "drones", "autonomous vehicles", "soft robots"),
        ("navigation", "dexterous manipulation", "locomotion", "multi-robot coordination"),
    ),
    "cs.IR": (
        0.04,
        ("dense retrieval", "learning to rank", "query expansion", "late interaction",
         "collaborative filtering", "click models"),
        ("search engines", "recommender systems", "inverted indexes", "user sessions"),
        ("ad-hoc retrieval", "citation recommendation", "conversational search",
         "product search"),
    ),
    "cs.CR": (
        0.05,
        ("fuzzing", "differential privacy", "homomorphic encryption", "side-channel analysis",
         "formal verification", "watermarking"),
        ("smart contracts", "browsers", "IoT firmware", "neural networks", "TLS stacks"),
        ("malware detection", "membership inference", "intrusion detection",
         "vulnerability discovery"),
    ),
    "cs.DC": (
        0.04,
        ("consensus protocols", "serverless scheduling", "pipeline parallelism",
         "erasure coding", "gossip protocols", "autoscaling"),
        ("GPU clusters", "edge devices", "key-value stores", "stream processors"),
        ("distributed training", "fault tolerance", "load balancing", "straggler mitigation"),
    ),
    "cs.SE": (
        0.05,
        ("low-code engineering", "static analysis", "test generation", "program repair",
         "symbolic execution", "mutation testing"),
        ("code models", "build systems", "microservices", "continuous integration pipelines"),
        ("bug localization", "code review", "technical debt detection", "API migration"),
    ),
    "cs.DB": (
        0.03,
        ("query optimization", "learned indexes", "cardinality estimation",
         "incremental view maintenance", "vectorized execution"),
        ("column stores", "graph databases", "data lakes", "spreadsheets"),
        ("entity resolution", "data cleaning", "approximate query processing", "schema matching"),
    ),
    "cs.HC": (
        0.03,
        ("participatory design", "eye tracking", "think-aloud studies", "haptic feedback"),
        ("voice assistants", "AR headsets", "wearables", "visualization dashboards"),
        ("accessibility", "trust calibration", "collaborative writing", "older adults' needs"),
    ),
    "cs.NI": (
        0.03,
        ("congestion control", "network slicing", "beamforming", "software-defined networking"),
        ("5G cores", "satellite constellations", "Wi-Fi access points", "data-center fabrics"),
        ("traffic classification", "latency reduction", "spectrum sharing", "routing"),
    ),
    "stat.ML": (
        0.03,
        ("Bayesian optimization", "conformal prediction", "Gaussian processes",
         "optimal transport", "score matching"),
        ("mixture models", "high-dimensional regressions", "bandits", "kernel two-sample tests"),
        ("uncertainty quantification", "hypothesis testing", "density estimation",
         "calibration"),
    ),
    "eess.IV": (
        0.03,
        ("compressed sensing", "deep unfolding", "learned image compression", "denoising priors"),
        ("MRI reconstructions", "hyperspectral images", "CT scanners", "video codecs"),
        ("image denoising", "deblurring", "rate-distortion optimization", "inpainting"),
    ),
}  # fmt: skip

OPENINGS = (
    "We study {task} with {object}.",
    "{Task} remains difficult when {object} are used at scale.",
    "Recent work on {object} has made {task} practical, but {method} is rarely used.",
    "This paper revisits {task} from the point of view of {method}.",
    "Existing approaches to {task} rely on hand-tuned heuristics.",
    "{Method} has become a standard tool for {task}.",
)
MIDDLES = (
    "We propose {acronym}, which combines {method} with {method2} for {object}.",
    "Our method, {acronym}, applies {method} to {object} and needs no labelled data.",
    "We introduce {acronym}: {method} guided by {method2}, trained end to end.",
    "{Acronym} reformulates {task} as {method2} over {object}.",
    "We analyse why {method} fails on {object} and derive a simple fix.",
    "We build a benchmark of {count} tasks covering {task} and {task2}.",
)
RESULTS = (
    "On {count} benchmarks it improves {metric} by {gain} points over the strongest baseline.",
    "Experiments show a {gain}% gain in {metric} at {speed}x lower cost.",
    "It matches prior methods with {speed}x fewer parameters.",
    "Results on {task2} confirm that the gains transfer.",
    "Ablations show that {method2} accounts for most of the improvement.",
    "We also report failure cases on {object2}.",
)
CLOSINGS = (
    "Code and models are available at {code}.",
    "We release the benchmark and our implementation at {code}.",
    "Our findings suggest that {method} deserves a place in every {task} toolkit.",
    "We discuss limitations and directions for {task2}.",
    "",
)
METRICS = ("accuracy", "F1", "mAP", "BLEU", "recall@10", "nDCG", "AUROC", "PSNR", "success rate")
TITLE_FORMS = (
    "{Method} for {Task}",
    "{Acronym}: {Method} for {Task} with {Object}",
    "Towards {Adjective} {Task} via {Method}",
    "On the {Property} of {Method} in {Object}",
    "{Adjective} {Method} Improves {Task}",
    "Rethinking {Task}: {Method} Meets {Method2}",
    "{Acronym}: {Adjective} {Task} at Scale",
    "Learning {Object} with {Method} and {Method2}",
    "When Does {Method} Help {Task}?",
    "A Study of {Method} for {Task} on {Object}",
)
ADJECTIVES = (
    "Efficient", "Robust", "Scalable", "Faithful", "Data-Efficient", "Sparse", "Adaptive",
    "Interpretable", "Lightweight", "Unified", "Self-Supervised", "Private", "Continual",
)  # fmt: skip
PROPERTIES = ("Robustness", "Generalization", "Sample Complexity", "Calibration", "Limits")
