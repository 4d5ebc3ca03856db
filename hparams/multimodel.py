"""The MultiModel hparams sets. Values and where they come from are documented beside each key."""
from t2t_mm import registry
from t2t_mm.hparams import HParams


@registry.register_hparams
def multimodel_base():
    """Paper scale (Kaiser et al. 2017), one problem: 60 experts."""
    return HParams(
        # --- data / batching (t2t_mm.data) ---
        batch_size=4096,              # tokens per batch (examples per batch = batch_size // bucket length)
        max_length=256,               # longer examples are dropped from training batches
        min_bucket_length=8,          # length buckets: min_bucket_length * bucket_step**i up to max_length
        bucket_step=2.0,
        shuffle_buffer=4096,
        audio_samples_per_token=640,  # audio counts ceil(samples / this) tokens for buckets and max_length
                                      # (640 = 40 ms at 16 kHz: max_length 256 -> 10.24 s of audio)
        # --- model (t2t_mm.models.multimodel) ---
        hidden_size=512,
        num_heads=8,                  # paper: 8-head dot-product attention
        conv_kernel_sizes=[3, 3, 15, 15],   # the paper's ConvBlock figure
        conv_dilations=[1, 1, 1, 8],        # the 4th step dilated
        encoder_blocks=6,             # paper: 6 conv blocks, MoE in the middle
        mixer_blocks=2,               # I/O mixer: attention block + 2 conv blocks
        decoder_blocks=4,             # paper: 4 blocks of conv + attention, MoE in the middle
        dropout=0.1,
        use_moe=True,                 # ablation switch (paper Table 4: no MoE)
        use_attention=True,           # ablation switch (paper Table 4: no attention)
        moe_num_experts=60,           # paper: 60 experts when training one problem, 240 jointly
        moe_k=4,                      # paper: k=4
        moe_hidden_size=1024,         # experts are small FFNs
        moe_capacity_factor=1.25,     # per-expert capacity = factor * k * tokens / experts
        moe_loss_coef=1e-2,           # weight of CV(importance)^2 + CV(load)^2
        max_target_spaces=32,         # size of the command-token table
        # --- training (t2t_mm.training) ---
        learning_rate=0.2,            # scaled by hidden_size**-0.5 * rsqrt schedule after warmup
        learning_rate_warmup_steps=4000,
        adam_beta1=0.85,
        adam_beta2=0.997,
        adam_epsilon=1e-6,
        clip_grad_norm=1.0,
        label_smoothing=0.1,
        seed=1234,
    )


@registry.register_hparams
def multimodel_base_joint():
    """Paper scale, eight problems jointly: 240 experts."""
    hp = multimodel_base()
    hp.moe_num_experts = 240
    return hp


@registry.register_hparams
def multimodel_tiny():
    """Trains the mini suite on a 2-core CPU in minutes."""
    hp = multimodel_base()
    hp.batch_size = 1024
    hp.max_length = 64
    hp.hidden_size = 32
    hp.num_heads = 4
    hp.conv_kernel_sizes = [3, 3, 5, 5]
    hp.conv_dilations = [1, 1, 1, 2]
    hp.encoder_blocks = 2
    hp.mixer_blocks = 1
    hp.decoder_blocks = 2
    hp.moe_num_experts = 8
    hp.moe_k = 2
    hp.moe_hidden_size = 64
    hp.learning_rate = 1.0
    hp.learning_rate_warmup_steps = 200
    return hp
