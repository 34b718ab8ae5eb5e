// face-api's SSD MobileNet v1 (trained on WIDER FACE; the weights ship in the
// npm package) on the photos `tools:datasets export detection_photos` wrote,
// one row per photo in the format detect/external_detections.h reads:
//
//   node detect.mjs --photos=/tmp/photos --out=/tmp/ssd.tsv [--min_confidence=0.05] [--max_results=1000]
//
// Every detection down to --min_confidence is kept (an AP needs the whole
// ranking). The photos are PNGs of what OpenCV decoded, read with pngjs, so no
// EXIF rotation or JPEG decoder differs from what our detectors saw. Progress
// (photo, rate, ETA) goes to stderr. A photo the SSD fails on stops the run
// with its name: a partial file is written under a .partial name, never as
// the result.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { PNG } from 'pngjs';

const require = createRequire(import.meta.url);
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
const tf = faceapi.tf;

class UsageError extends Error {}

function flags(argv) {
  const out = { min_confidence: '0.05', max_results: '1000' };
  for (const a of argv) {
    const m = /^--([a-z_]+)=(.*)$/.exec(a);
    if (!m || !['photos', 'out', 'min_confidence', 'max_results'].includes(m[1])) {
      throw new UsageError(`unknown argument '${a}'; usage: --photos=DIR --out=FILE [--min_confidence=0.05] [--max_results=1000]`);
    }
    out[m[1]] = m[2];
  }
  for (const f of ['photos', 'out']) if (!out[f]) throw new UsageError(`--${f} is required`);
  const min = Number(out.min_confidence), max = Number(out.max_results);
  if (!(min >= 0 && min < 1)) throw new UsageError(`--min_confidence=${out.min_confidence}: must be in [0, 1)`);
  if (!Number.isInteger(max) || max < 1) throw new UsageError(`--max_results=${out.max_results}: must be an integer >= 1`);
  return { photos: out.photos, out: out.out, minConfidence: min, maxResults: max };
}

function readList(dir) {
  const file = path.join(dir, 'photos.tsv');
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
  if (lines[0] !== 'set\tphoto\tfile\twidth\theight') throw new Error(`${file}:1: not a photo list header`);
  return lines.slice(1).map((l, i) => {
    const f = l.split('\t');
    if (f.length !== 5) throw new Error(`${file}:${i + 2}: expected 5 fields, got '${l}'`);
    return { set: f[0], photo: f[1], file: f[2], width: Number(f[3]), height: Number(f[4]) };
  });
}

async function main() {
  const options = flags(process.argv.slice(2));
  const photos = readList(options.photos);
  // The backend's .wasm files are in its package; Node must be told where.
  const wasmBackend = require('@tensorflow/tfjs-backend-wasm');
  wasmBackend.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/');
  await tf.setBackend('wasm');
  await tf.ready();
  const modelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  const ssd = new faceapi.SsdMobilenetv1Options({ minConfidence: options.minConfidence, maxResults: options.maxResults });
  const version = JSON.parse(fs.readFileSync(path.join(modelDir, '..', 'package.json'), 'utf8')).version;
  const header = [
    `# model=@vladmandic/face-api ${version} ssd_mobilenetv1`,
    `# runtime=tfjs ${tf.version.tfjs} ${tf.getBackend()} backend, node ${process.version}`,
    `# min_confidence=${options.minConfidence}`,
    `# max_results=${options.maxResults}`,
    'set\tphoto\tms\tdetections',
  ];
  const partial = `${options.out}.partial`;
  fs.writeFileSync(partial, header.join('\n') + '\n');
  const start = Date.now();
  for (let i = 0; i < photos.length; ++i) {
    const p = photos[i];
    const png = PNG.sync.read(fs.readFileSync(path.join(options.photos, p.file)));
    if (png.width !== p.width || png.height !== p.height) {
      throw new Error(`${p.file}: ${png.width}x${png.height}, the list says ${p.width}x${p.height}`);
    }
    // RGBA -> RGB, the order face-api's nets expect.
    const rgb = new Uint8Array(png.width * png.height * 3);
    for (let j = 0, k = 0; j < png.data.length; j += 4) {
      rgb[k++] = png.data[j];
      rgb[k++] = png.data[j + 1];
      rgb[k++] = png.data[j + 2];
    }
    const input = tf.tensor3d(rgb, [png.height, png.width, 3], 'int32');
    const t0 = process.hrtime.bigint();
    let found;
    try {
      found = await faceapi.detectAllFaces(input, ssd);
    } catch (e) {
      throw new Error(`${p.photo} (${p.file}): ${e.message}`);
    } finally {
      input.dispose();
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const boxes = found.map((d) => {
      const b = d.box;
      return [b.x, b.y, b.width, b.height, d.score].map((v) => Number(v.toPrecision(7))).join(',');
    });
    fs.appendFileSync(partial, `${p.set}\t${p.photo}\t${ms.toFixed(2)}\t${boxes.join(';')}\n`);
    if ((i + 1) % 25 === 0 || i + 1 === photos.length) {
      const rate = (i + 1) / ((Date.now() - start) / 1000);
      const eta = (photos.length - i - 1) / rate;
      process.stderr.write(`photo ${i + 1}/${photos.length} ${rate.toFixed(2)} photos/s ETA ${eta.toFixed(0)} s\n`);
    }
  }
  fs.renameSync(partial, options.out);
  process.stderr.write(`wrote ${photos.length} rows to ${options.out}\n`);
}

main().catch((e) => {
  process.stderr.write(`detect.mjs: ${e.message}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
});
