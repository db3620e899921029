import ts from 'typescript';

/**
 * Finds module-level mutable state in one source file: what a second server in the same process
 * (every test suite builds several) or a second render would share without asking for it.
 *
 * Flagged: a top-level `let` or `var`; a module-level `WeakMap`, `WeakSet` or empty `Map`/`Set`/array
 * (only runtime state fills those); a module-level collection or object literal the file changes
 * (`.set`, `.push`, `x.y = …`, `x[k] = …`, `delete x.y`); a class's non-readonly `static` field.
 * Not flagged: constants, lookup tables filled once where they are declared, `Object.freeze(…)`.
 */
export function moduleState(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, kindOf(fileName));
  const found: string[] = [];
  const at = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const collections = new Map<string, ts.Node>();
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement)) {
      const flags = statement.declarationList.flags;
      const constant = (flags & ts.NodeFlags.Const) !== 0 || (flags & ts.NodeFlags.Using) !== 0;
      for (const declaration of statement.declarationList.declarations) {
        const name = declaration.name.getText(source);
        if (!constant) {
          found.push(
            `line ${at(declaration)}: top-level \`${flags & ts.NodeFlags.Let ? 'let' : 'var'} ${name}\``,
          );
          continue;
        }
        if (!ts.isIdentifier(declaration.name) || !declaration.initializer) continue;
        let verdict = judgeInitializer(unwrap(declaration.initializer));
        // Declared read-only (`ReadonlyMap`, `readonly T[]`): a constant unless the file changes it anyway.
        if (verdict === 'state' && declaration.type && readOnlyType(declaration.type)) verdict = 'watch';
        if (verdict === 'state')
          found.push(`line ${at(declaration)}: module-level \`${name}\` holds runtime state`);
        else if (verdict === 'watch') collections.set(name, declaration);
      }
    }
    if (ts.isClassDeclaration(statement)) {
      for (const member of statement.members) {
        const modifiers = ts.canHaveModifiers(member) ? (ts.getModifiers(member) ?? []) : [];
        const isStatic = modifiers.some((m) => m.kind === ts.SyntaxKind.StaticKeyword);
        const readonly = modifiers.some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword);
        if (ts.isPropertyDeclaration(member) && isStatic && !readonly) {
          found.push(`line ${at(member)}: static field \`${member.name.getText(source)}\``);
        }
      }
    }
  }
  if (collections.size > 0) {
    const changed = new Set<string>();
    const visit = (node: ts.Node): void => {
      const target = mutatedName(node);
      if (target !== undefined && collections.has(target)) changed.add(target);
      ts.forEachChild(node, visit);
    };
    visit(source);
    for (const name of changed) {
      const declaration = collections.get(name);
      if (declaration) found.push(`line ${at(declaration)}: module-level \`${name}\` is changed at run time`);
    }
  }
  return found.sort((a, b) => lineOf(a) - lineOf(b));
}

const lineOf = (finding: string) => Number(/^line (\d+)/.exec(finding)?.[1] ?? 0);

function kindOf(fileName: string): ts.ScriptKind {
  return fileName.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
}

/** `x as T`, `x satisfies T`, `(x)` and `x!` are `x`. */
function unwrap(node: ts.Expression): ts.Expression {
  let current = node;
  while (
    ts.isAsExpression(current) ||
    ts.isSatisfiesExpression(current) ||
    ts.isParenthesizedExpression(current) ||
    ts.isNonNullExpression(current) ||
    ts.isTypeAssertionExpression(current)
  ) {
    current = current.expression;
  }
  return current;
}

function readOnlyType(type: ts.TypeNode): boolean {
  if (ts.isTypeOperatorNode(type)) return type.operator === ts.SyntaxKind.ReadonlyKeyword;
  return ts.isTypeReferenceNode(type) && /^Readonly(Map|Set|Array)$/.test(type.typeName.getText());
}

const ALWAYS_STATE = new Set(['WeakMap', 'WeakSet', 'WeakRef']);
const COLLECTIONS = new Set(['Map', 'Set', 'Array']);

/** `state`: only runtime state would go there; `watch`: state if the file changes it; `fine`. */
function judgeInitializer(init: ts.Expression): 'state' | 'watch' | 'fine' {
  if (ts.isNewExpression(init) && ts.isIdentifier(init.expression)) {
    const kind = init.expression.text;
    if (ALWAYS_STATE.has(kind)) return 'state';
    if (COLLECTIONS.has(kind)) return (init.arguments?.length ?? 0) === 0 ? 'state' : 'watch';
    return 'fine';
  }
  if (ts.isArrayLiteralExpression(init)) return init.elements.length === 0 ? 'state' : 'watch';
  if (ts.isObjectLiteralExpression(init)) return 'watch';
  return 'fine';
}

const MUTATORS = new Set([
  'set',
  'add',
  'delete',
  'clear',
  'push',
  'pop',
  'shift',
  'unshift',
  'splice',
  'sort',
  'reverse',
  'fill',
  'copyWithin',
]);

const ASSIGNMENTS = new Set([
  ts.SyntaxKind.EqualsToken,
  ts.SyntaxKind.PlusEqualsToken,
  ts.SyntaxKind.MinusEqualsToken,
  ts.SyntaxKind.AsteriskEqualsToken,
  ts.SyntaxKind.SlashEqualsToken,
  ts.SyntaxKind.BarBarEqualsToken,
  ts.SyntaxKind.AmpersandAmpersandEqualsToken,
  ts.SyntaxKind.QuestionQuestionEqualsToken,
]);

/** The module-level name a node changes, if it changes one: `x.push(…)`, `x.y = …`, `x[k]++`. */
function mutatedName(node: ts.Node): string | undefined {
  if (
    ts.isCallExpression(node) &&
    ts.isPropertyAccessExpression(node.expression) &&
    MUTATORS.has(node.expression.name.text)
  ) {
    return rootName(node.expression.expression);
  }
  if (ts.isBinaryExpression(node) && ASSIGNMENTS.has(node.operatorToken.kind)) return memberRoot(node.left);
  if (
    (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
    (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)
  ) {
    return memberRoot(node.operand);
  }
  if (ts.isDeleteExpression(node)) return memberRoot(node.expression);
  return undefined;
}

/** `x.y.z` and `x[k]` → `x`; a bare identifier is a local rebinding, not a change of `x`. */
function memberRoot(node: ts.Expression): string | undefined {
  return ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)
    ? rootName(node.expression)
    : undefined;
}

function rootName(node: ts.Expression): string | undefined {
  const inner = unwrap(node);
  if (ts.isIdentifier(inner)) return inner.text;
  if (ts.isPropertyAccessExpression(inner) || ts.isElementAccessExpression(inner)) {
    return rootName(inner.expression);
  }
  return undefined;
}
