// What the spec's IDL (background-fetch.idl from @webref/idl, parsed with webidl2) says each
// realm must show: the plain data the in-browser checker (test/fixtures/conformance/idl-check.js)
// compares the exposed interfaces with.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parse, type IDLInterfaceMemberType } from 'webidl2';

export interface AttributeShape {
  name: string;
  readonly: boolean;
  /** A Promise-typed attribute rejects on a wrong `this` instead of throwing. */
  promise: boolean;
}
export interface OperationShape {
  name: string;
  /** Required arguments only: what the function's `length` must be. */
  length: number;
}
export interface InterfaceShape {
  name: string;
  exposed: string[];
  inheritance: string | null;
  /** null: no constructor in the IDL, so `new` throws a TypeError and `length` is 0. */
  constructorLength: number | null;
  attributes: AttributeShape[];
  operations: OperationShape[];
}
export interface PartialShape {
  name: string;
  attributes: AttributeShape[];
}
export interface IdlShape {
  interfaces: InterfaceShape[];
  partials: PartialShape[];
}

const requiredArguments = (member: { arguments: { optional: boolean; variadic: boolean }[] }) =>
  member.arguments.filter((argument) => !argument.optional && !argument.variadic).length;

const attributesOf = (members: IDLInterfaceMemberType[]): AttributeShape[] =>
  members.flatMap((member) =>
    member.type === 'attribute'
      ? [{ name: member.name, readonly: member.readonly, promise: member.idlType.generic === 'Promise' }]
      : [],
  );

export function shapeFromIdl(text: string): IdlShape {
  const shape: IdlShape = { interfaces: [], partials: [] };
  for (const definition of parse(text)) {
    if (definition.type !== 'interface') continue;
    const attributes = attributesOf(definition.members);
    if (definition.partial) {
      shape.partials.push({ name: definition.name, attributes });
      continue;
    }
    const exposed = definition.extAttrs.find((attribute) => attribute.name === 'Exposed');
    const constructor = definition.members.find((member) => member.type === 'constructor');
    shape.interfaces.push({
      name: definition.name,
      exposed: exposed?.rhs
        ? [exposed.rhs.value].flat().map((value) => (typeof value === 'string' ? value : value.value))
        : [],
      inheritance: definition.inheritance,
      constructorLength: constructor?.type === 'constructor' ? requiredArguments(constructor) : null,
      attributes,
      operations: definition.members.flatMap((member) =>
        member.type === 'operation' && member.name ? [{ name: member.name, length: requiredArguments(member) }] : [],
      ),
    });
  }
  return shape;
}

/** The shape of the Background Fetch spec as @webref/idl ships it. */
export function backgroundFetchShape(): IdlShape {
  const path = createRequire(import.meta.url).resolve('@webref/idl/background-fetch.idl');
  return shapeFromIdl(readFileSync(path, 'utf8'));
}
