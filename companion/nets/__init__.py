"""Networks: generators, encoders, discriminators and the blocks they share."""

from companion.nets.adain import AdaIN, adaptive_instance_norm
from companion.nets.blocks import (
    ACTIVATIONS,
    NORMS,
    ConvBlock,
    ResBlock,
    activation,
    check_image_size,
    init_weights,
    norm_layer,
)
from companion.nets.dcgan import DCGANDiscriminator, DCGANGenerator
from companion.nets.discriminators import (
    MultiScaleDiscriminator,
    PatchDiscriminator,
    patch_receptive_field,
)
from companion.nets.encoders import GaussianHead, ResNetEncoder, reparameterize
from companion.nets.infogan import InfoGANDiscriminator, InfoGANGenerator, QOutput
from companion.nets.injection import INJECTIONS, ConcatCode, code_placement, tile_code
from companion.nets.mlp import MLPDiscriminator, MLPEncoder, MLPTranslator, mlp
from companion.nets.resnet import ResNetGenerator
from companion.nets.style_features import (
    VGG16_FILENAME,
    PixelStyleFeatures,
    RandomConvFeatures,
    Vgg16Features,
    build_style_features,
    find_vgg16_weights,
)
from companion.nets.unet import UNetGenerator

__all__ = [
    "ACTIVATIONS",
    "INJECTIONS",
    "NORMS",
    "AdaIN",
    "ConcatCode",
    "ConvBlock",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "GaussianHead",
    "InfoGANDiscriminator",
    "InfoGANGenerator",
    "MLPDiscriminator",
    "MLPEncoder",
    "MLPTranslator",
    "MultiScaleDiscriminator",
    "PatchDiscriminator",
    "QOutput",
    "PixelStyleFeatures",
    "RandomConvFeatures",
    "ResBlock",
    "ResNetEncoder",
    "ResNetGenerator",
    "UNetGenerator",
    "VGG16_FILENAME",
    "Vgg16Features",
    "activation",
    "adaptive_instance_norm",
    "check_image_size",
    "code_placement",
    "build_style_features",
    "find_vgg16_weights",
    "init_weights",
    "mlp",
    "norm_layer",
    "patch_receptive_field",
    "reparameterize",
    "tile_code",
]
