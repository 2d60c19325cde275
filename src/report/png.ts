// SVG -> PNG with resvg, using only the DejaVu Sans font shipped by the `dejavu-fonts-ttf` package
// (loadSystemFonts: false), so the PNG is byte-identical on every machine. resvg reads the font file itself
// (native code, by path); this module does not use node:fs.
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import { CHART_FONT } from './charts.ts';

const require = createRequire(import.meta.url);

/** Absolute paths of the font files used for PNG rendering. */
export const FONT_FILES: readonly string[] = [
  require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
];

function resvg(svg: string, scale: number): Resvg {
  return new Resvg(svg, {
    font: {
      loadSystemFonts: false,
      fontFiles: [...FONT_FILES],
      defaultFontFamily: CHART_FONT,
      sansSerifFamily: CHART_FONT,
    },
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    logLevel: 'off',
  });
}

/** Render an SVG string to PNG bytes. `scale` multiplies the SVG's pixel size (2 = sharper image). */
export function svgToPng(svg: string, scale = 1.5): Uint8Array {
  const png = resvg(svg, scale).render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** Same rendering as svgToPng, as raw RGBA pixels (row-major, 4 bytes per pixel). For checks such as "is the text drawn". */
export function svgToRgba(svg: string, scale = 1.5): { width: number; height: number; pixels: Uint8Array } {
  const img = resvg(svg, scale).render();
  const p = img.pixels;
  return { width: img.width, height: img.height, pixels: new Uint8Array(p.buffer, p.byteOffset, p.byteLength) };
}
