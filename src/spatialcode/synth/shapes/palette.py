"""The colours and textures of each object: a style per shape (``main`` and ``accent`` colours and
textures, :data:`CATEGORY_STYLES`), colours of the roles all shapes share (:data:`ROLE_COLORS`:
screens, glass, metal, ...), and an instance's palette — its style with a hue and brightness
jitter seeded by ``(object id, label)``. A label without a shape gets a stable style derived from
the label."""

from __future__ import annotations

import colorsys
import hashlib

import numpy as np

from spatialcode.synth.shapes.drawn_as import shape_category

#: Per-category look: ``main`` and ``accent`` colours (hex sRGB) and the procedural textures of
#: those two roles (names of :data:`~spatialcode.synth.shapes.textures.TEXTURE_NAMES`).
CATEGORY_STYLES: dict[str, dict[str, str]] = {
    "chair": {"main": "#8b5a2b", "accent": "#4a5a78", "texture": "grain", "accent_texture": "fabric"},
    "stool": {"main": "#9c6b3c", "accent": "#6b4a2b", "texture": "grain", "accent_texture": "grain"},
    "table": {"main": "#a0703c", "accent": "#5c3d1e", "texture": "grain", "accent_texture": "grain"},
    "bed": {"main": "#6e4b32", "accent": "#5577aa", "texture": "grain", "accent_texture": "fabric"},
    "sofa": {"main": "#7a8c99", "accent": "#5e6e7a", "texture": "fabric", "accent_texture": "fabric"},
    "tv": {"main": "#1e1e22", "accent": "#101014", "texture": "plain", "accent_texture": "plain"},
    "monitor": {"main": "#2b2b30", "accent": "#4a4a50", "texture": "plain", "accent_texture": "plain"},
    "cabinet": {"main": "#c8b89a", "accent": "#b0a080", "texture": "grain", "accent_texture": "grain"},
    "nightstand": {"main": "#8a6240", "accent": "#765234", "texture": "grain", "accent_texture": "grain"},
    "refrigerator": {"main": "#e4e6e8", "accent": "#cfd2d6", "texture": "noise", "accent_texture": "noise"},
    "bookshelf": {"main": "#7b5233", "accent": "#6a4429", "texture": "grain", "accent_texture": "grain"},
    "toilet": {"main": "#f4f4f2", "accent": "#e6e6e3", "texture": "plain", "accent_texture": "plain"},
    "lamp": {"main": "#3a3a3a", "accent": "#f3e3bd", "texture": "plain", "accent_texture": "fabric"},
    "plant": {"main": "#3f7f3a", "accent": "#b5653a", "texture": "leaves", "accent_texture": "noise"},
    "door": {"main": "#b08a5a", "accent": "#f0ece4", "texture": "grain", "accent_texture": "plain"},
    "window": {"main": "#eeeeea", "accent": "#a8c8dc", "texture": "plain", "accent_texture": "plain"},
    "picture": {"main": "#3b2a1a", "accent": "#c0704a", "texture": "grain", "accent_texture": "noise"},
    "mirror": {"main": "#5a4a3a", "accent": "#c8d4dc", "texture": "grain", "accent_texture": "plain"},
    "whiteboard": {"main": "#b0b4b8", "accent": "#fafafa", "texture": "plain", "accent_texture": "plain"},
    "pillow": {"main": "#e8e0d0", "accent": "#d8cdb8", "texture": "fabric", "accent_texture": "fabric"},
    "bin": {"main": "#5a6470", "accent": "#3a4048", "texture": "stripes", "accent_texture": "plain"},
    "tub": {"main": "#f2f2f0", "accent": "#dcdcdc", "texture": "plain", "accent_texture": "plain"},
    "ceiling light": {"main": "#fff8e8", "accent": "#d8d8d8", "texture": "plain", "accent_texture": "plain"},
    "appliance": {"main": "#d8dadc", "accent": "#2a2c30", "texture": "noise", "accent_texture": "plain"},
    "washer": {"main": "#eceeef", "accent": "#3a4450", "texture": "noise", "accent_texture": "plain"},
    "keyboard": {"main": "#26262a", "accent": "#3c3c42", "texture": "keys", "accent_texture": "plain"},
    "laptop": {"main": "#a4a8ac", "accent": "#14161a", "texture": "plain", "accent_texture": "plain"},
    "computer tower": {"main": "#202024", "accent": "#3a3a40", "texture": "plain", "accent_texture": "stripes"},
    "counter": {"main": "#d0c8b8", "accent": "#6a6a6a", "texture": "grain", "accent_texture": "noise"},
    "radiator": {"main": "#ecece8", "accent": "#d4d4d0", "texture": "stripes", "accent_texture": "plain"},
    "desk": {"main": "#b08050", "accent": "#6a4a2a", "texture": "grain", "accent_texture": "grain"},
}

#: Colours of the roles shared by all categories (hex sRGB); ``main``/``accent`` come from the
#: category style.
ROLE_COLORS: dict[str, str] = {
    "screen": "#0d1118",
    "glass": "#a8c8dc",
    "light": "#fff4d6",
    "metal": "#9aa0a6",
    "dark": "#2a2a2e",
    "white": "#f2f2f0",
    "mattress": "#ecebe4",
    "pillow": "#f6f3ec",
    "foliage": "#3f7f3a",
    "pot": "#b5653a",
    "book": "#7a3b3b",
}

#: Texture of each shared role.
ROLE_TEXTURES: dict[str, str] = {
    "screen": "plain", "glass": "plain", "light": "plain", "metal": "noise", "dark": "plain",
    "white": "plain", "mattress": "fabric", "pillow": "fabric", "foliage": "leaves", "pot": "noise",
    "book": "stripes",
}


def _hex_rgb(value: str) -> tuple[float, float, float]:
    value = value.lstrip("#")
    return tuple(int(value[i:i + 2], 16) / 255.0 for i in (0, 2, 4))  # type: ignore[return-value]


def stable_seed(*parts: object) -> int:
    """A 32-bit seed from ``parts`` that is the same in every process (unlike ``hash``)."""
    digest = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest[:4], "little")


def _jitter(rgb: tuple[float, float, float], rng: np.random.Generator, amount: float) -> tuple[float, float, float]:
    """Shift hue by ±0.04·amount, scale saturation and brightness by ±15 %/±20 %·amount."""
    h, s, v = colorsys.rgb_to_hsv(*rgb)
    h = (h + amount * 0.04 * float(rng.uniform(-1, 1))) % 1.0
    s = min(1.0, max(0.0, s * (1.0 + amount * 0.15 * float(rng.uniform(-1, 1)))))
    v = min(1.0, max(0.05, v * (1.0 + amount * 0.2 * float(rng.uniform(-1, 1)))))
    return colorsys.hsv_to_rgb(h, s, v)


def category_style(label: str) -> dict[str, str]:
    """Return the style (``main``/``accent`` colours, textures) of a label: its category's
    entry in :data:`CATEGORY_STYLES`, or one derived from a hash of the label."""
    category = shape_category(label)
    if category is not None and category in CATEGORY_STYLES:
        return CATEGORY_STYLES[category]
    key = stable_seed("label", " ".join(label.lower().split()))
    rng = np.random.default_rng(key)
    hue = float(rng.random())
    main = colorsys.hsv_to_rgb(hue, 0.25 + 0.4 * float(rng.random()), 0.4 + 0.45 * float(rng.random()))
    accent = colorsys.hsv_to_rgb((hue + 0.5) % 1.0, 0.3, 0.35)
    textures = ("plain", "noise", "fabric", "stripes", "grain")
    tex = textures[int(rng.integers(len(textures)))]
    to_hex = lambda c: "#" + "".join(f"{round(v * 255):02x}" for v in c)
    return {"main": to_hex(main), "accent": to_hex(accent), "texture": tex, "accent_texture": "plain"}


def instance_palette(object_id: int, label: str) -> dict[str, tuple[tuple[float, float, float], str]]:
    """Return ``{role: (rgb 0–1, texture name)}`` for one object: its category style with a
    hue/brightness jitter seeded by ``(object_id, label)``, plus the shared roles."""
    style = category_style(label)
    rng = np.random.default_rng(stable_seed("instance", object_id, " ".join(label.lower().split())))
    out = {role: (_jitter(_hex_rgb(color), rng, 0.5), ROLE_TEXTURES.get(role, "plain"))
           for role, color in ROLE_COLORS.items()}
    out["main"] = (_jitter(_hex_rgb(style["main"]), rng, 1.0), style.get("texture", "plain"))
    out["accent"] = (_jitter(_hex_rgb(style["accent"]), rng, 0.7), style.get("accent_texture", "plain"))
    return out
