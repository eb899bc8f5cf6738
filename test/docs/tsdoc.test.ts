import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Every public function, class, method and exported constant function of lib/ carries a
// TSDoc comment: the package is read by Mach engineers through their editor's hovers.
const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

function hasDoc(node: ts.Node, file: ts.SourceFile): boolean {
  const ranges = ts.getLeadingCommentRanges(file.text, node.getFullStart()) ?? [];
  return ranges.some((r) => file.text.slice(r.pos, r.end).startsWith('/**'));
}

function isExported(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function isPublicMember(member: ts.ClassElement): boolean {
  const mods = ts.canHaveModifiers(member) ? ts.getModifiers(member) ?? [] : [];
  if (mods.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword)) return false;
  const name = member.name;
  if (name && ts.isPrivateIdentifier(name)) return false;
  if (name && ts.isIdentifier(name) && name.text.startsWith('_')) return false;
  return ts.isMethodDeclaration(member) || ts.isGetAccessorDeclaration(member);
}

// Members of the MachApi contract are documented once, on the interface (lib/types.ts);
// implementations inherit that documentation in editors.
const MACH_API_MEMBERS = (() => {
  const path = join(root, 'lib', 'types.ts');
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
  const api = file.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'MachApi');
  return new Set(api?.members.map((m) => m.name?.getText(file) ?? '') ?? []);
})();

function implementsMachApi(cls: ts.ClassDeclaration, file: ts.SourceFile): boolean {
  return (cls.heritageClauses ?? []).some((h) => h.types.some((t) => t.expression.getText(file) === 'MachApi'));
}

/** Exported declarations of one file that lack a TSDoc comment, as "file:line name". */
function undocumented(path: string): string[] {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
  const missing: string[] = [];
  const report = (node: ts.Node, name: string) => {
    const line = file.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    missing.push(`${relative(root, path)}:${line} ${name}`);
  };
  for (const stmt of file.statements) {
    if (!isExported(stmt)) continue;
    if (ts.isFunctionDeclaration(stmt) && stmt.name) {
      if (!hasDoc(stmt, file)) report(stmt, stmt.name.text);
    } else if (ts.isClassDeclaration(stmt) && stmt.name) {
      if (!hasDoc(stmt, file)) report(stmt, stmt.name.text);
      const inherits = implementsMachApi(stmt, file);
      for (const member of stmt.members) {
        const name = member.name?.getText(file) ?? '';
        if (inherits && MACH_API_MEMBERS.has(name)) continue;
        if (isPublicMember(member) && !hasDoc(member, file)) report(member, `${stmt.name.text}.${name}`);
      }
    } else if (ts.isInterfaceDeclaration(stmt) && stmt.name.text === 'MachApi') {
      for (const member of stmt.members) {
        if (!hasDoc(member, file)) report(member, `MachApi.${member.name?.getText(file)}`);
      }
    } else if (ts.isVariableStatement(stmt)) {
      for (const decl of stmt.declarationList.declarations) {
        const init = decl.initializer;
        const isFunction = init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init) || ts.isCallExpression(init));
        if (isFunction && !hasDoc(stmt, file)) report(stmt, decl.name.getText(file));
      }
    }
  }
  return missing;
}

describe('TSDoc', () => {
  it('every exported function, class and public method in lib/ is documented', () => {
    const missing = sources(join(root, 'lib')).flatMap(undocumented);
    expect(missing).toEqual([]);
  });
});
