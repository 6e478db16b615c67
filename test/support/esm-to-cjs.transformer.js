// NestJS 12 ships its packages as ES modules. Node loads them from our CommonJS
// build through require(esm), but Jest's own module loader (on Node 20) cannot,
// so Jest compiles those packages to CommonJS with this transformer.
const { createHash } = require('node:crypto');
const ts = require('typescript');

const IMPORT_META_URL = /\bimport\.meta\.url\b/g;
// `const require = createRequire(import.meta.url)` re-creates what CommonJS already has.
const REQUIRE_SHIM = /^\s*const require = (?:\w+\.)?createRequire\(import\.meta\.url\);?\s*$/gm;

module.exports = {
  getCacheKey(source, path) {
    return createHash('sha256').update('esm-to-cjs-v2\0').update(path).update('\0').update(source).digest('hex');
  },
  process(source, path) {
    const withoutImportMeta = source.replace(REQUIRE_SHIM, '').replace(IMPORT_META_URL, "require('node:url').pathToFileURL(__filename).href");
    const output = ts.transpileModule(withoutImportMeta, {
      fileName: path,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        allowJs: true,
        esModuleInterop: true,
        sourceMap: false,
      },
    });
    return { code: output.outputText };
  },
};
