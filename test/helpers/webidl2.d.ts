// The little of webidl2's parse tree that test/helpers/idl-shape.ts reads (the package ships no types).
declare module 'webidl2' {
  export interface IDLArgument {
    optional: boolean;
    variadic: boolean;
  }
  export type IDLInterfaceMemberType =
    | { type: 'attribute'; name: string; readonly: boolean; idlType: { generic: string } }
    | { type: 'operation'; name: string; arguments: IDLArgument[] }
    | { type: 'constructor'; arguments: IDLArgument[] }
    | { type: 'const' | 'iterable' | 'maplike' | 'setlike'; name?: string };
  export interface IDLExtendedAttribute {
    name: string;
    rhs: { value: string | { value: string }[] } | null;
  }
  export type IDLRootType =
    | {
        type: 'interface';
        name: string;
        partial: boolean;
        inheritance: string | null;
        extAttrs: IDLExtendedAttribute[];
        members: IDLInterfaceMemberType[];
      }
    | {
        type: 'dictionary' | 'enum' | 'typedef' | 'callback' | 'namespace' | 'includes' | 'interface mixin';
        name?: string;
      };
  export function parse(text: string): IDLRootType[];
}
