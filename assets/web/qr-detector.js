// The QR decoder the web pages read camera frames with: the browser's BarcodeDetector where it
// has one for QR codes, else the vendored zxing-wasm (zxing-cpp compiled to WebAssembly, which
// needs the pages' 'wasm-unsafe-eval'). Shared by the offline verifier (/verify) and the app's
// Scan page.

/** A decoder: `{ name, read(canvas) -> Promise<string[]> }`, the texts of the codes in a frame. */
export async function detector() {
  if ("BarcodeDetector" in globalThis) {
    try {
      const formats = await BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        const d = new BarcodeDetector({ formats: ["qr_code"] });
        return { name: "BarcodeDetector", read: async (canvas) => (await d.detect(canvas)).map((b) => b.rawValue) };
      }
    } catch {
      // fall through to zxing-wasm
    }
  }
  const zxing = await import("/assets/vendor/zxing-wasm/es/reader/index.js");
  zxing.prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? `/assets/vendor/zxing-wasm/reader/${path}` : prefix + path) },
  });
  return {
    name: "zxing-wasm",
    read: async (canvas) => {
      const image = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
      const found = await zxing.readBarcodes(image, { formats: ["QRCode"], tryHarder: true, maxNumberOfSymbols: 4 });
      return found.filter((b) => b.isValid).map((b) => b.text);
    },
  };
}
