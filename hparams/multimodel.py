"""The MultiModel hparams sets. Values and where they come from are documented beside each key."""
from t2t_mm import registry
from t2t_mm.hparams_lib import basic_params


@registry.register_hparams
def multimodel_base():
    """Paper scale (Kaiser et al. 2017), one problem: 60 experts."""
    hp = basic_params()   # the data/batching and training keys, with these values (t2t_mm/hparams_lib.py)
    hp.hidden_size = 512              # ours: the paper gives no width; 512 as T2T's base models
    model_keys = dict(
        # --- model (t2t_mm.models.multimodel, t2t_mm.layers, t2t_mm.modalities) ---
        # Sources: [P] = Kaiser et al. 2017 ("One Model To Learn Them All"); [S] = Shazeer et al. 2017
        # (sparsely-gated MoE); [X] = Chollet 2017 (Xception). "ours" = not stated there, our choice.
        num_heads=8,                  # [P] Sec. 2.3: 8-head dot-product attention
        conv_kernel_sizes=[3, 3, 15, 15],   # [P] Fig. 3 as the design card reads it (not re-checked
        conv_dilations=[1, 1, 1, 8],        # against the PDF here): 3x1, 3x1, 15x1, 15x1, last 8-dilated
        encoder_blocks=6,             # [P] Sec. 2.4: 6 conv blocks, MoE in the middle (after block 3)
        mixer_blocks=2,               # [P] Sec. 2.4: I/O mixer = attention block + 2 conv blocks
        decoder_blocks=4,             # [P] Sec. 2.4: 4 blocks of conv + attention, MoE in the middle
        dropout=0.1,                  # [P] dropout after each ConvBlock; the rate is ours
        use_moe=True,                 # [P] Table 4 ablation switch: False removes both MoE layers
        use_attention=True,           # [P] Table 4 ablation switch: False removes attention (the
                                      # decoder then sees the masked mean of the encoder instead)
        moe_num_experts=60,           # [P] 60 experts when training one problem, 240 jointly
        moe_k=4,                      # [P] k=4
        moe_hidden_size=1024,         # ours: experts are one-hidden-layer ReLU FFNs [S]; width not given
        moe_capacity_factor=1.25,     # ours (GShard/Switch practice): capacity = factor * k * tokens / E
        moe_eval_capacity_factor=2.0, # ours: larger capacity when not training (fewer drops in decoding)
        moe_loss_coef=1e-2,           # weight of CV(importance)^2 + CV(load)^2 [S]; 1e-2 as T2T's default
        max_target_spaces=32,         # ours: rows of the command-token table (To-English, To-Class, ...)
        tie_symbol_weights=False,     # ours: separate input embedding and output softmax matrices
        image_filters=[32, 64, 128, 256],   # [P] Sec. 2.5 image net: ConvStep 32, 64, ConvRes 128, 256,
                                            # then ConvRes to hidden_size ([X] entry flow)
        class_exit_filters=[1024, 1536, 2048],  # [X] exit flow widths: ConvRes 1024, SepConv 1536, 2048
        modality_norm="map",          # ours: the image, audio and class nets' ConvSteps normalize over the
                                      # example's whole map, as Ba et al.'s LN of a conv layer ("position":
                                      # each position over its channels, as the body does; the mini
                                      # suite's image classes reached 0.35 instead of 0.8+ in 800 steps)
        audio_blocks=8,               # [P] Sec. 2.5: 8 ConvRes blocks, l_i = ConvRes(l_{i-1}, 2^i)
        audio_min_filters=16,         # ours: at least 16 filters per block (the paper's 2, 4, 8 leave the
                                      # channel LayerNorm only signs: audio was not learned at all)
        spectral_time_strides=2,      # ours: only the first 2 spectral blocks halve time, so one encoder
                                      # position covers 4 frames = 40 ms (all 8 striding: 2.56 s)
        audio_spectrogram="log_mel",  # ours: audio_spectral input features (log_mel or log_magnitude)
        audio_sample_rate=16000,      # ours: rate the mel scale assumes (the data side stores 16 kHz)
        audio_frame_length=400,       # ours: 25 ms STFT windows at 16 kHz (common ASR front end)
        audio_frame_step=160,         # ours: 10 ms hop
        audio_mel_bins=80,            # ours: 80 mel bins (common ASR front end)
    )
    for key, value in model_keys.items():
        hp.add_hparam(key, value)
    return hp


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
    # model: small enough that the mini suite trains on 2 CPU cores in minutes
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
    hp.image_filters = [8, 16, 32]
    hp.class_exit_filters = [32, 48, 64]
    hp.audio_blocks = 5
    hp.audio_frame_length = 256
    hp.audio_frame_step = 128
    hp.audio_mel_bins = 40
    hp.learning_rate = 0.02
    hp.learning_rate_warmup_steps = 200
    return hp


@registry.register_hparams
def multimodel_mini():
    """The README's main job: the nine mini problems jointly on a 2-core CPU (scripts/mini_suite.sh)."""
    hp = multimodel_tiny()
    hp.batch_size = 2048            # the tiny model is bound by per-step overhead: twice the examples per
                                    # step cost far less than twice the time
    # learning_rate stays multimodel_tiny's 0.02: alone, en-de reached BLEU 39.1 at 600 steps with it
    # against 19.3 with 0.05, and image classes 0.60 top-1 at 800 steps against 0.41 (docs/MODEL_DECISIONS.md)
    hp.learning_rate_decay = "none"  # joint training draws each problem on 1 step in ~17: with the rsqrt decay
                                    # most of a problem's updates came at a 3-4x lower rate than alone
                                    # (speech WER 0.72 jointly against 0.32 alone; docs/MODEL_DECISIONS.md)
    hp.moe_num_experts = 32         # [P] joint training gets 4x the experts of single runs (240 vs 60;
                                    # the tiny sets' single runs: 8). With 8 the main job's translation
                                    # directions stood at BLEU 3-6 after 4,000 steps, with 32 at 38-52, at
                                    # the same step time (docs/MODEL_DECISIONS.md §11)
    hp.text_first_steps = 1200      # translation and parsing alone first: jointly with captions and speech
                                    # from step 0 the text decoder took off (used its source) at a step
                                    # that moved from run to run, in one of four runs never; text problems
                                    # alone took off within 1,200 steps (docs/MODEL_DECISIONS.md §12)
    hp.dropout = 0.0                # minutes of training on generated data: no overfitting to fight yet
    hp.audio_blocks = 4
    hp.audio_mel_bins = 24
    hp.audio_frame_length = 400     # 25 ms windows, 10 ms hop: 4 frames (40 ms) per encoder position
    hp.audio_frame_step = 160
    return hp
