#!/usr/bin/env bash
# Reproduces the bundled font subsets in this folder from Debian's Noto packages.
#
#   apt-get install fonts-noto-cjk fonts-noto-core   # 1:20220127+repack1-1 and 20201225-1
#   pip install 'fonttools>=4.40'
#   assets/fonts/subset.sh
#
# See README.md for what each subset keeps and why.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cjk=/usr/share/fonts/opentype/noto
core=/usr/share/fonts/truetype/noto
for f in "$cjk/NotoSansCJK-Regular.ttc" "$core/NotoSans-Regular.ttf"; do
  [ -f "$f" ] || { echo "missing $f: apt-get install fonts-noto-cjk fonts-noto-core" >&2; exit 1; }
done

# Options shared by every subset: no hinting (the card is drawn at 300 dpi, where hinting does
# nothing useful), every name and language record kept (they carry the OFL notice).
common=(--no-hinting --name-IDs='*' --name-languages='*' --notdef-outline --drop-tables+=DSIG)

# Noto Sans CJK, face 2 of the collection (SC: its default glyphs are the Simplified Chinese
# forms). The pan-CJK font's `locl` feature maps the same code points to the Traditional
# (ZHT), Hong Kong (ZHH), Japanese (JAN) and Korean (KOR) forms; pyftsubset keeps every glyph
# `locl` can reach, so one face serves every region. Kept: CJK radicals and symbols, kana,
# bopomofo, Hangul jamo and all 11,172 syllables, enclosed and compatibility CJK, the CJK Unified
# Ideographs with Extension A, the compatibility ideographs, the supplementary-plane ideographs
# the font has (Extension B and later, used by Hong Kong and Japanese names), CJK compatibility
# and vertical forms, and the halfwidth and fullwidth forms. Latin, Greek and Cyrillic come from
# Noto Sans; vertical layout tables are dropped (the card is horizontal).
cjk_unicodes="U+1100-11FF,U+2E80-2FFF,U+3000-303F,U+3040-30FF,U+3100-312F,U+3130-318F,\
U+3190-31FF,U+3200-33FF,U+3400-4DBF,U+4E00-9FFF,U+A960-A97F,U+AC00-D7FF,U+F900-FAFF,\
U+FE10-FE1F,U+FE30-FE4F,U+FF00-FFEF,U+20000-3FFFF"
for w in Regular Bold; do
  pyftsubset "$cjk/NotoSansCJK-$w.ttc" --font-number=2 "${common[@]}" \
    --unicodes="$cjk_unicodes" \
    --layout-features='ccmp,locl,kern,mark,ljmo,vjmo,tjmo' \
    --drop-tables+=vhea,vmtx,VORG \
    --output-file="$here/NotoSansCJK-$w.subset.otf"
done

# The other families are small: all their code points and layout features are kept.
for family in NotoSans NotoSansArabic NotoSansHebrew NotoSansDevanagari NotoSansThai; do
  for w in Regular Bold; do
    pyftsubset "$core/$family-$w.ttf" "${common[@]}" --unicodes='*' --layout-features='*' \
      --output-file="$here/$family-$w.subset.ttf"
  done
done
ls -l "$here"
