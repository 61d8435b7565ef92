"""Tests for MineGAN's class-embedding miner (thesis Sec. 3.3, BigGAN): the embedding-conditioned
batch norm and generator, the two miners M^z and M^c, and a TransferGAN source with an embedding."""

import dataclasses

import pytest
import torch
from torch import nn

from companion.config import seed_everything
from companion.methods.class_mining import EmbeddingInput, EmbeddingMiner, embedding_minegan
from companion.methods.minegan import MineGAN, MineGANConfig, miner
from companion.methods.transfergan import TransferGAN, TransferGANConfig
from companion.nets.conditional import EmbeddingBatchNorm2d
from companion.nets.dcgan import DCGANDiscriminator, DCGANGenerator
from companion.train import fit
from tests.methods.stepping import RecordingStepper


def test_embedding_batch_norm_is_one_plus_projected_gain_times_bn_plus_projected_bias():
    seed_everything(0)
    bn = EmbeddingBatchNorm2d(3, embed_dim=2)
    x, e = torch.randn(4, 3, 5, 5) * 3 + 1, torch.randn(4, 2)
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    var = x.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
    x_hat = (x - mean) / torch.sqrt(var + 1e-5)
    gamma = 1 + e @ bn.gain.weight.T + bn.gain.bias  # (4, 3)
    beta = e @ bn.bias.weight.T + bn.bias.bias
    want = gamma[:, :, None, None] * x_hat + beta[:, :, None, None]
    torch.testing.assert_close(bn(x, e), want, rtol=1e-5, atol=1e-5)
    with torch.no_grad():  # zero projections: plain batch norm, whatever the embedding
        for p in (*bn.gain.parameters(), *bn.bias.parameters()):
            p.zero_()
    torch.testing.assert_close(bn(x, e), x_hat, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="embed_dim must be >= 1"):
        EmbeddingBatchNorm2d(3, embed_dim=0)


def test_a_label_is_its_embedding_row_and_any_vector_conditions_the_generator():
    seed_everything(0)
    g = DCGANGenerator(z_dim=8, image_size=16, channels=1, width=8, num_classes=4, embed_dim=3)
    g.eval()
    z, y = torch.randn(5, 8), torch.tensor([0, 3, 1, 1, 2])
    assert g.embed.weight.shape == (4, 3)
    with torch.no_grad():
        torch.testing.assert_close(g(z, y), g(z, embedding=g.embed.weight[y]))
        between = 0.5 * (g.embed.weight[0] + g.embed.weight[1])  # no class's own embedding
        x_mid = g(z, embedding=between.expand(5, -1))
        assert not torch.allclose(x_mid, g(z, torch.zeros(5, dtype=torch.long)))
        assert not torch.allclose(x_mid, g(z, torch.ones(5, dtype=torch.long)))
    norms = [m for m in g.modules() if isinstance(m, EmbeddingBatchNorm2d)]
    assert len(norms) == 2 and all(m.embed_dim == 3 for m in norms)


def test_embedding_arguments_are_checked():
    with pytest.raises(ValueError, match="embed_dim must be 0, or > 0 for a conditional"):
        DCGANGenerator(z_dim=8, image_size=16, width=8, embed_dim=3)
    rows = DCGANGenerator(z_dim=8, image_size=16, width=8, num_classes=4)
    with pytest.raises(ValueError, match="no class embedding"):
        rows(torch.randn(2, 8), embedding=torch.randn(2, 3))
    g = DCGANGenerator(z_dim=8, image_size=16, width=8, num_classes=4, embed_dim=3)
    with pytest.raises(ValueError, match="labels y or an embedding, not both"):
        g(torch.randn(2, 8), torch.tensor([0, 1]), embedding=torch.randn(2, 3))
    with pytest.raises(ValueError, match="pass labels y"):
        g(torch.randn(2, 8))
    message = (
        "the generator has no class embedding (embed_dim is 0 or unknown); build it with "
        "embed_dim > 0 (TransferGANConfig.embed_dim), or mine its classes with "
        "conditional_minegan"
    )
    for generator in (rows, nn.Identity()):  # embed_dim 0, and no embed_dim at all
        with pytest.raises(ValueError) as info:
            embedding_minegan(MineGANConfig.smoke(), generator, nn.Identity())
        assert str(info.value) == message


def test_embedding_input_splits_the_code_into_z_and_the_embedding():
    seed_everything(0)
    g = DCGANGenerator(z_dim=8, image_size=16, channels=1, width=8, num_classes=4, embed_dim=3)
    g.eval()
    z, e = torch.randn(5, 8), torch.randn(5, 3)
    with torch.no_grad():
        torch.testing.assert_close(EmbeddingInput(g)(torch.cat([z, e], 1)), g(z, embedding=e))


def test_the_two_miners_are_separate_mlps_on_the_same_noise():
    seed_everything(0)
    m = EmbeddingMiner(u_dim=4, z_dim=6, embed_dim=2, layers=3, hidden=16)
    u = torch.randn(7, 4)
    out = m(u)
    assert out.shape == (7, 8)
    torch.testing.assert_close(out[:, :6], m.code(u))
    torch.testing.assert_close(out[:, 6:], m.embedding(u))
    assert [layer.out_features for layer in m.code if isinstance(layer, nn.Linear)] == [16, 16, 6]
    widths = [layer.out_features for layer in m.class_embedding if isinstance(layer, nn.Linear)]
    assert widths == [16, 16, 2]
    assert [x.out_features for x in miner(4, 6, 3) if isinstance(x, nn.Linear)] == [6, 6, 6]
    default = EmbeddingMiner(u_dim=4, z_dim=6, embed_dim=2, layers=2)  # hidden: z_dim
    assert [x.out_features for x in default.class_embedding if isinstance(x, nn.Linear)] == [6, 2]
    single = EmbeddingMiner(u_dim=4, z_dim=6, embed_dim=2, layers=1)  # one linear map each
    assert [type(x) for x in (*single.code, *single.class_embedding)] == [nn.Linear, nn.Linear]
    with pytest.raises(ValueError, match="an embedding miner needs layers >= 1, got 0"):
        EmbeddingMiner(4, 6, 2, layers=0)


def test_minegan_takes_one_miner_per_generator():
    cfg = dataclasses.replace(MineGANConfig.smoke(), num_sources=2)
    with pytest.raises(ValueError, match="1 miners for 2 generators"):
        MineGAN(cfg, miners=[nn.Identity()])


def _embedding_pair(seed=0):
    seed_everything(seed)
    cfg = dataclasses.replace(MineGANConfig.smoke(), image_size=16, channels=1, mining_steps=1)
    g = DCGANGenerator(cfg.z_dim, 16, 1, cfg.width_g, num_classes=3, embed_dim=2)
    d = DCGANDiscriminator(16, 1, cfg.width_d, norm="layer", num_classes=3)  # an AC critic
    return cfg, g, d


def test_while_mining_both_miners_learn_and_the_generator_with_its_embedding_is_frozen():
    cfg, g, d = _embedding_pair()
    gan = embedding_minegan(cfg, g, d)
    assert gan.cfg.z_dim == cfg.z_dim + 2 and len(gan.M) == len(gan.G) == 1
    assert gan.G[0].generator is g
    before = {k: v.clone() for k, v in g.state_dict().items() if "running" not in k}
    miners = [p.detach().clone() for p in gan.M.parameters()]
    opt = RecordingStepper(gan.configure_optimizers())
    x = torch.rand(8, 1, 16, 16) * 2 - 1
    gan.training_step({"a": x}, 0, opt)  # stage 1: mining
    assert all(torch.equal(before[k], v) for k, v in g.state_dict().items() if k in before)
    assert all(p.grad is None for p in g.parameters())
    moved = [not torch.equal(a, b) for a, b in zip(miners, gan.M.parameters())]
    assert all(moved)  # every layer of M^z and of M^c stepped
    gan.training_step({"a": x}, 1, opt)  # stage 2: G released (its embedding table unused)
    changed = [
        k for k, v in g.state_dict().items() if k in before and not torch.equal(before[k], v)
    ]
    assert changed and not any(k.startswith("embed.") for k in changed)
    assert gan.selector.probs.tolist() == [1.0]
    assert gan.sample(3).shape == (3, 1, 16, 16)


class Points(nn.Module):
    """A 2-class 'generator' of 2-D points, G(z, e) = e + 0.05 tanh(z), class embeddings (-2, 0)
    and (2, 0): the code moves a sample by at most 0.05 per coordinate, so only e reaches far."""

    z_dim, embed_dim, num_classes = 2, 2, 2

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(2, 2)
        with torch.no_grad():
            self.embed.weight.copy_(torch.tensor([[-2.0, 0.0], [2.0, 0.0]]))

    def forward(self, z, y=None, *, embedding=None):
        return (self.embed(y) if embedding is None else embedding) + 0.05 * torch.tanh(z)


class Bowl(nn.Module):
    """A fixed critic (trained with lr 0) whose score -|x - t|^2 peaks at the target t."""

    def __init__(self, t):
        super().__init__()
        self.t = nn.Parameter(torch.tensor(t))

    def forward(self, x):
        return -(x - self.t).square().sum(1)


def test_mining_the_embedding_reaches_a_point_no_label_reaches():
    # the critic prefers (0, 2), between the two classes and off their line: only an
    # embedding that is neither class's reaches it, and the miner M^c must find it
    seed_everything(0)
    cfg = dataclasses.replace(
        MineGANConfig.smoke(), u_dim=2, miner_layers=2, mining_steps=10_000, n_critic=1,
        lr_miner=1e-2, lr_d=0.0,
    )  # fmt: skip
    gan = embedding_minegan(cfg, Points(), Bowl([0.0, 2.0]))
    opt = RecordingStepper(gan.configure_optimizers())
    g = torch.Generator().manual_seed(0)
    u = torch.randn(500, 2, generator=g)
    start = gan.M[0].embedding(u).detach()
    for step in range(300):
        gan.training_step(torch.randn(32, 2, generator=g), step, opt)
    mined = gan.M[0].embedding(u).detach()
    target = torch.tensor([0.0, 2.0])
    assert (start.mean(0) - target).norm().item() > 1.0  # the miner starts near the origin
    # seeds 0-4 measured: mean embedding 0.04-0.12 from the target, samples 0.005-0.08
    assert (mined.mean(0) - target).norm().item() < 0.2, mined.mean(0).tolist()
    assert (gan.sample(500, generator=g) - target).norm(dim=1).mean().item() < 0.15
    classes = torch.tensor([[-2.0, 0.0], [2.0, 0.0]])
    assert torch.cdist(mined, classes).min().item() > 1.5  # neither class's own embedding
    assert gan.G[0].generator.embed.weight.tolist() == [[-2.0, 0.0], [2.0, 0.0]]  # frozen


def test_a_transfergan_with_a_class_embedding_trains_and_transfers_only_to_the_same_embedding(
    tmp_path,
):
    seed_everything(0)
    cfg = dataclasses.replace(
        TransferGANConfig.smoke(), image_size=16, channels=1, num_classes=3, embed_dim=2,
        n_critic=1,
    )  # fmt: skip
    gan = TransferGAN(cfg)
    assert gan.G.embed.weight.shape == (3, 2)
    embed = gan.G.embed.weight.detach().clone()
    batch = {"a": torch.rand(6, 1, 16, 16) * 2 - 1, "y": torch.tensor([0, 1, 2, 0, 1, 2])}
    gan.training_step(batch, 0, RecordingStepper(gan.configure_optimizers()))
    assert not torch.equal(embed, gan.G.embed.weight)  # the class loss trains the embedding
    data = [{"a": x, "y": y} for x, y in zip(batch["a"], batch["y"])] * 2
    fit(gan, data, 1, out_dir=tmp_path / "src", seed=0, progress=False, log_every=0)
    tuned = TransferGAN.from_pretrained(tmp_path / "src")
    assert tuned.cfg.embed_dim == 2 and tuned.cfg.num_classes == 3
    torch.testing.assert_close(tuned.G.embed.weight, gan.G.embed.weight)
    rows = dataclasses.replace(cfg, embed_dim=0)  # Cond BNorm rows: a different generator
    with pytest.raises(ValueError) as info:
        TransferGAN.from_pretrained(tmp_path / "src", rows)
    assert str(info.value).endswith(
        "has embed_dim=2; a generator with a class embedding (embed_dim=0) starts only from a "
        "source with the same embedding: train its G from scratch (transfer_g=False) or set "
        "embed_dim=2"
    )
    tuned_d = TransferGAN.from_pretrained(tmp_path / "src", rows, transfer_g=False)
    torch.testing.assert_close(tuned_d.D.classify.weight, gan.D.classify.weight)
    assert tuned_d.G.embed_dim == 0 and not hasattr(tuned_d.G, "embed")
