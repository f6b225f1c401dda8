/**
 * A strict pass over a message's protobuf bytes, made before ts-proto
 * decodes them. The generated decoders are lenient where this service must
 * not be: they turn invalid UTF-8 into U+FFFD (so two different ids would
 * reach one user), skip fields with a wrong wire type or an unknown number,
 * drop a google.protobuf.Value with no kind and a map entry with no value,
 * let a later map entry silently replace an earlier one, accept any
 * Timestamp, and recurse as deep as the bytes say. This pass finds each of
 * those and names the field.
 *
 * It also bounds the work a hostile message can cause before validation
 * runs: a list over its limit is counted but not walked, a field larger on
 * the wire than its limit allows is skipped whole, and nesting stops at
 * {@link MAX_JSON_DEPTH} / {@link MAX_MESSAGE_DEPTH}.
 */
import { isUtf8 } from 'node:buffer';
import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { mapPath, objectPath, type Violations } from '../errors/violations.ts';
import type { ViolationReason } from '../errors/violation-reasons.ts';

/** Most levels of message nesting outside JSON values; no API message comes close. */
export const MAX_MESSAGE_DEPTH = 32;
/**
 * Most levels of JSON nesting (Struct and ListValue) read at all. The API's
 * own limits are lower (8 levels for properties) and are checked later;
 * this one only keeps a hostile message from costing more than it must.
 */
export const MAX_JSON_DEPTH = 32;

/** Per-field limits applied while reading, before any per-entry work. */
export interface FieldRule {
  /** Most entries of a repeated or map field; more are counted, not read. */
  readonly maxCount?: number;
  /** Most bytes one value of a length-delimited field may take on the wire. */
  readonly maxWireBytes?: number;
  /** Says why `bytes` is too many for this field (the description of the TOO_LARGE violation). */
  readonly tooLarge?: (bytes: number) => string;
}

/** Seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: Timestamp's documented range. */
const TIMESTAMP_MIN_SECONDS = -62_135_596_800n;
const TIMESTAMP_MAX_SECONDS = 253_402_300_799n;
const MAX_NANOS = 999_999_999n;

const LONG_TYPES: ReadonlySet<ScalarType> = new Set([
  ScalarType.INT64,
  ScalarType.UINT64,
  ScalarType.SINT64,
  ScalarType.FIXED64,
  ScalarType.SFIXED64,
]);

/** The wire type each scalar is encoded with (LEN for a packed list). */
function wireTypeOf(type: ScalarType): WireType {
  switch (type) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return WireType.LengthDelimited;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WireType.Bit64;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return WireType.Bit32;
    default:
      return WireType.Varint;
  }
}

/** A map entry read up to its value: see Walk.entry. */
interface MapEntry {
  readonly key: string | undefined;
  readonly value: { readonly start: number; readonly wireType: WireType } | undefined;
  /** Where the entry ends. */
  readonly end: number;
}

/** The path of field `name` of the message at `path` ("" for the request itself). */
function childPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** Thrown to stop the walk when the bytes cannot be read any further. */
class Unreadable extends Error {}

/** One walk over one message's bytes. */
class Walk {
  /** The field being read, for a violation when the bytes end mid-way. */
  private at = '';

  constructor(
    private readonly reader: BinaryReader,
    private readonly rules: ReadonlyMap<DescField, FieldRule>,
    private readonly v: Violations,
  ) {}

  run(desc: DescMessage): void {
    try {
      this.message(desc, this.reader.len, '', 1);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      this.v.add(this.at || '(request)', 'MALFORMED', `is not a valid protobuf encoding of ${desc.typeName}: ${why}`);
    }
  }

  private add(path: string, reason: ViolationReason, description: string): void {
    this.v.add(path || '(request)', reason, description);
  }

  /** The end of the length-delimited value that starts here, checked against its parent's end. */
  private lengthEnd(parentEnd: number): number {
    const length = this.reader.uint32();
    const end = this.reader.pos + length;
    if (end > parentEnd) throw new Unreadable(`a length of ${length} runs past the end of its enclosing message`);
    return end;
  }

  /** Skips a field that is reported, not read. Groups (deprecated, unused by proto3) end the walk. */
  private skip(wireType: WireType, end: number): void {
    if (wireType === WireType.StartGroup || wireType === WireType.EndGroup) {
      throw new Unreadable('it uses the group encoding, which proto3 messages never use');
    }
    if (wireType === WireType.LengthDelimited) this.reader.pos = this.lengthEnd(end);
    else this.reader.skip(wireType);
  }

  /**
   * Checks that what was read inside a length-delimited value ended exactly
   * at its end: a varint or length that runs past it would make the
   * generated decoder read the rest of the message out of step.
   */
  private ended(end: number, what: string): void {
    if (this.reader.pos !== end) throw new Unreadable(`${what} does not end where its length says`);
  }

  private expectWireType(actual: WireType, expected: WireType, path: string, what: string, end: number): boolean {
    if (actual === expected) return true;
    this.add(path, 'MALFORMED', `is sent with wire type ${actual}, but ${what} uses wire type ${expected}`);
    this.skip(actual, end);
    return false;
  }

  private unknown(desc: DescMessage, fieldNo: number, wireType: WireType, path: string, end: number): void {
    this.add(
      path === '' ? `#${fieldNo}` : `${path}.#${fieldNo}`,
      'UNKNOWN_FIELD',
      `field number ${fieldNo} is not part of ${desc.typeName}; it is refused rather than silently dropped`,
    );
    this.skip(wireType, end);
  }

  private message(desc: DescMessage, end: number, path: string, depth: number): void {
    if (depth > MAX_MESSAGE_DEPTH) {
      this.add(path, 'MALFORMED', `nests messages more than ${MAX_MESSAGE_DEPTH} levels deep`);
      this.reader.pos = end;
      return;
    }
    switch (desc.typeName) {
      case 'google.protobuf.Struct':
        return this.struct(end, path, depth, 1);
      case 'google.protobuf.Value':
        return this.value(end, path, depth, 1);
      case 'google.protobuf.ListValue':
        return this.list(end, path, depth, 1);
      case 'google.protobuf.Timestamp':
        return this.timestamp(end, path);
    }
    const counts = new Map<DescField, number>();
    const mapKeys = new Map<DescField, Set<string>>();
    const singular = new Set<DescField>();
    while (this.reader.pos < end) {
      const [fieldNo, wireType] = this.reader.tag();
      const field = desc.fields.find((f) => f.number === fieldNo);
      if (field === undefined) {
        this.unknown(desc, fieldNo, wireType, path, end);
        continue;
      }
      const fieldPath = childPath(path, field.name);
      this.at = fieldPath;
      if (field.fieldKind !== 'list' && field.fieldKind !== 'map') {
        // The generated decoder keeps only the last of a field sent twice.
        if (singular.has(field)) this.add(fieldPath, 'DUPLICATE', 'is sent more than once; a later value would silently replace the earlier one');
        singular.add(field);
      }
      this.field(field, wireType, end, fieldPath, depth, counts, mapKeys);
      if (this.reader.pos > end) throw new Unreadable(`${field.name} runs past the end of its enclosing message`);
    }
    for (const [field, count] of counts) {
      const max = this.rules.get(field)?.maxCount;
      if (max !== undefined && count > max) {
        this.add(childPath(path, field.name), 'TOO_MANY', `has ${count} entries, at most ${max} are allowed`);
      }
    }
  }

  private field(
    field: DescField,
    wireType: WireType,
    end: number,
    path: string,
    depth: number,
    counts: Map<DescField, number>,
    mapKeys: Map<DescField, Set<string>>,
  ): void {
    const rule = this.rules.get(field);
    if (field.fieldKind === 'list' || field.fieldKind === 'map') {
      const index = counts.get(field) ?? 0;
      counts.set(field, index + 1);
      if (rule?.maxCount !== undefined && index >= rule.maxCount) {
        // Over the limit: counted and skipped, not read; reported once the message is counted.
        this.skip(wireType, end);
        return;
      }
      if (field.fieldKind === 'map') {
        this.mapEntry(field, wireType, end, path, depth, mapKeys);
        return;
      }
      if (field.listKind === 'message') {
        this.embedded(field.message, wireType, end, `${path}[${index}]`, depth, rule);
        return;
      }
      const scalar = field.listKind === 'enum' ? ScalarType.INT32 : field.scalar;
      if (wireType === WireType.LengthDelimited && wireTypeOf(scalar) !== WireType.LengthDelimited) {
        this.packed(scalar, end, path);
        return;
      }
      this.scalar(scalar, wireType, end, `${path}[${index}]`);
      return;
    }
    if (field.fieldKind === 'message') {
      this.embedded(field.message, wireType, end, path, depth, rule);
      return;
    }
    this.scalar(field.fieldKind === 'enum' ? ScalarType.INT32 : field.scalar, wireType, end, path);
  }

  private embedded(
    desc: DescMessage,
    wireType: WireType,
    end: number,
    path: string,
    depth: number,
    rule: FieldRule | undefined,
  ): void {
    if (!this.expectWireType(wireType, WireType.LengthDelimited, path, `a ${desc.typeName} field`, end)) return;
    const innerEnd = this.lengthEnd(end);
    const bytes = innerEnd - this.reader.pos;
    if (rule?.maxWireBytes !== undefined && bytes > rule.maxWireBytes) {
      this.add(path, 'TOO_LARGE', rule.tooLarge?.(bytes) ?? `takes ${bytes} bytes, more than ${rule.maxWireBytes}`);
      this.reader.pos = innerEnd;
      return;
    }
    this.message(desc, innerEnd, path, depth + 1);
    if (this.reader.pos !== innerEnd) throw new Unreadable(`${path} does not end where its length says`);
  }

  private scalar(type: ScalarType, wireType: WireType, end: number, path: string): void {
    if (!this.expectWireType(wireType, wireTypeOf(type), path, `a ${ScalarType[type].toLowerCase()} field`, end)) return;
    this.readScalar(type, path);
  }

  private readScalar(type: ScalarType, path: string): string | undefined {
    const r = this.reader;
    switch (type) {
      case ScalarType.STRING:
        return this.string(path);
      case ScalarType.BYTES:
        r.bytes();
        return undefined;
      case ScalarType.DOUBLE:
        return String(r.double());
      case ScalarType.FLOAT:
        return String(r.float());
      case ScalarType.FIXED32:
        return String(r.fixed32());
      case ScalarType.SFIXED32:
        return String(r.sfixed32());
      case ScalarType.BOOL:
        return String(r.bool());
      case ScalarType.UINT32:
        return String(r.uint32());
      case ScalarType.SINT32:
        return String(r.sint32());
      case ScalarType.INT32:
        return String(r.int32());
      default: {
        // 64-bit integers become JavaScript numbers in the generated types.
        const value = BigInt(this.readLong(type));
        if (LONG_TYPES.has(type) && (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER))) {
          this.add(path, 'OUT_OF_RANGE', `${value} is outside the integers this server can represent exactly (±2^53)`);
        }
        return String(value);
      }
    }
  }

  private readLong(type: ScalarType): bigint | string {
    const r = this.reader;
    if (type === ScalarType.UINT64) return r.uint64();
    if (type === ScalarType.SINT64) return r.sint64();
    if (type === ScalarType.FIXED64) return r.fixed64();
    if (type === ScalarType.SFIXED64) return r.sfixed64();
    return r.int64();
  }

  /** A string field's text; a violation (and undefined) when it is not valid UTF-8. */
  private string(path: string): string | undefined {
    const bytes = this.reader.bytes();
    if (isUtf8(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    this.add(path, 'INVALID_UTF8', 'is not valid UTF-8, which proto3 requires of every string');
    return undefined;
  }

  private packed(type: ScalarType, end: number, path: string): void {
    const innerEnd = this.lengthEnd(end);
    while (this.reader.pos < innerEnd) this.readScalar(type, path);
    if (this.reader.pos !== innerEnd) throw new Unreadable(`${path}: a packed list does not end where its length says`);
  }

  /**
   * Reads one map entry (a message of key = 1 and value = 2) up to where its
   * value starts: the value is read by the caller, once the key, which may
   * come after it on the wire, can name its path. `key` is undefined when
   * it was not valid; a missing key is the empty string, as protobuf says.
   */
  private entry(keyType: ScalarType, end: number, path: string): MapEntry {
    const entryEnd = this.lengthEnd(end);
    const keyPath = `${path} key`;
    let key: string | undefined = '';
    let value: MapEntry['value'];
    while (this.reader.pos < entryEnd) {
      const [no, wt] = this.reader.tag();
      if (no === 1) {
        if (this.expectWireType(wt, wireTypeOf(keyType), keyPath, 'a map key', entryEnd)) key = this.readScalar(keyType, keyPath);
      } else if (no === 2) {
        value = { start: this.reader.pos, wireType: wt };
        this.skip(wt, entryEnd);
      } else {
        this.add(path, 'UNKNOWN_FIELD', `a map entry carries field number ${no}; entries have only key (1) and value (2)`);
        this.skip(wt, entryEnd);
      }
    }
    this.ended(entryEnd, `${path}: a map entry`);
    return { key, value, end: entryEnd };
  }

  /** Reports a key that an earlier entry of the same map already sent. */
  private once(keys: Set<string>, key: string, entryPath: string): void {
    if (keys.has(key)) this.add(entryPath, 'DUPLICATE', 'this key is sent more than once; a later entry would silently replace the earlier one');
    keys.add(key);
  }

  private mapEntry(
    field: DescField & { fieldKind: 'map' },
    wireType: WireType,
    end: number,
    path: string,
    depth: number,
    mapKeys: Map<DescField, Set<string>>,
  ): void {
    if (!this.expectWireType(wireType, WireType.LengthDelimited, path, 'a map entry', end)) return;
    const { key, value, end: entryEnd } = this.entry(field.mapKey, end, path);
    if (key === undefined) return;
    const entryPath = mapPath(path, key);
    const keys = mapKeys.get(field) ?? new Set<string>();
    mapKeys.set(field, keys);
    this.once(keys, key, entryPath);
    if (value === undefined) {
      if (field.mapKind === 'message') this.add(entryPath, 'REQUIRED', 'the map entry has no value');
      return;
    }
    this.reader.pos = value.start;
    if (field.mapKind === 'message') this.embedded(field.message, value.wireType, entryEnd, entryPath, depth, undefined);
    else this.scalar(field.mapKind === 'enum' ? ScalarType.INT32 : field.scalar, value.wireType, entryEnd, entryPath);
    if (this.reader.pos > entryEnd) throw new Unreadable(`${entryPath} runs past the end of its map entry`);
    this.reader.pos = entryEnd;
  }

  private jsonTooDeep(jsonDepth: number, end: number, path: string): boolean {
    if (jsonDepth <= MAX_JSON_DEPTH) return false;
    this.add(path, 'TOO_DEEP', `nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep`);
    this.reader.pos = end;
    return true;
  }

  /** google.protobuf.Struct: map<string, Value> fields = 1, read as a JSON object. */
  private struct(end: number, path: string, depth: number, jsonDepth: number): void {
    if (this.jsonTooDeep(jsonDepth, end, path)) return;
    const keys = new Set<string>();
    while (this.reader.pos < end) {
      const [no, wt] = this.reader.tag();
      if (no !== 1) {
        this.add(path, 'UNKNOWN_FIELD', `field number ${no} is not part of google.protobuf.Struct`);
        this.skip(wt, end);
        continue;
      }
      if (!this.expectWireType(wt, WireType.LengthDelimited, path, 'a Struct entry', end)) continue;
      const { key, value, end: entryEnd } = this.entry(ScalarType.STRING, end, path);
      if (key === undefined) continue;
      const keyPath = objectPath(path, key);
      this.once(keys, key, keyPath);
      if (value === undefined) {
        this.add(keyPath, 'INVALID_VALUE', 'has no value (a Struct entry without its google.protobuf.Value)');
        continue;
      }
      this.reader.pos = value.start;
      if (this.expectWireType(value.wireType, WireType.LengthDelimited, keyPath, 'a Struct value', entryEnd)) {
        this.value(this.lengthEnd(entryEnd), keyPath, depth, jsonDepth);
      }
      this.reader.pos = entryEnd;
    }
    this.ended(end, `${path || 'a Struct'}`);
  }

  /** google.protobuf.ListValue: repeated Value values = 1, read as a JSON array. */
  private list(end: number, path: string, depth: number, jsonDepth: number): void {
    if (this.jsonTooDeep(jsonDepth, end, path)) return;
    let index = 0;
    while (this.reader.pos < end) {
      const [no, wt] = this.reader.tag();
      const itemPath = `${path}[${index}]`;
      if (no !== 1) {
        this.add(path, 'UNKNOWN_FIELD', `field number ${no} is not part of google.protobuf.ListValue`);
        this.skip(wt, end);
        continue;
      }
      index += 1;
      if (!this.expectWireType(wt, WireType.LengthDelimited, itemPath, 'a list item', end)) continue;
      this.value(this.lengthEnd(end), itemPath, depth, jsonDepth);
    }
    this.ended(end, `${path || 'a list'}`);
  }

  /** google.protobuf.Value: exactly one kind, as JSON allows. */
  private value(end: number, path: string, depth: number, jsonDepth: number): void {
    let kinds = 0;
    while (this.reader.pos < end) {
      const [no, wt] = this.reader.tag();
      kinds += 1;
      switch (no) {
        case 1: // null_value (an enum)
        case 4: // bool_value
          if (this.expectWireType(wt, WireType.Varint, path, 'a Value kind', end)) this.reader.uint64();
          break;
        case 2: // number_value
          if (this.expectWireType(wt, WireType.Bit64, path, 'a Value number', end)) this.reader.double();
          break;
        case 3: // string_value
          if (this.expectWireType(wt, WireType.LengthDelimited, path, 'a Value string', end)) this.string(path);
          break;
        case 5: // struct_value
        case 6: // list_value
          if (this.expectWireType(wt, WireType.LengthDelimited, path, 'a Value object or list', end)) {
            const innerEnd = this.lengthEnd(end);
            if (no === 5) this.struct(innerEnd, path, depth, jsonDepth + 1);
            else this.list(innerEnd, path, depth, jsonDepth + 1);
          }
          break;
        default:
          kinds -= 1;
          this.add(path, 'UNKNOWN_FIELD', `field number ${no} is not part of google.protobuf.Value`);
          this.skip(wt, end);
      }
    }
    this.ended(end, path);
    if (kinds === 0) {
      this.add(path, 'INVALID_VALUE', 'has no value: a google.protobuf.Value must set one of null, number, string, bool, struct or list');
    } else if (kinds > 1) {
      this.add(path, 'INVALID_VALUE', 'sets more than one kind; a google.protobuf.Value holds exactly one');
    }
  }

  /** google.protobuf.Timestamp, within the range its definition documents. */
  private timestamp(end: number, path: string): void {
    while (this.reader.pos < end) {
      const [no, wt] = this.reader.tag();
      if ((no === 1 || no === 2) && this.expectWireType(wt, WireType.Varint, path, 'a Timestamp field', end)) {
        const value = BigInt(this.reader.int64());
        if (no === 1 && (value < TIMESTAMP_MIN_SECONDS || value > TIMESTAMP_MAX_SECONDS)) {
          this.add(`${path}.seconds`, 'OUT_OF_RANGE', `${value} is outside 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z`);
        }
        if (no === 2 && (value < 0n || value > MAX_NANOS)) {
          this.add(`${path}.nanos`, 'OUT_OF_RANGE', `must be 0 to 999,999,999, got ${value}`);
        }
      } else if (no !== 1 && no !== 2) {
        this.add(path, 'UNKNOWN_FIELD', `field number ${no} is not part of google.protobuf.Timestamp`);
        this.skip(wt, end);
      }
    }
    this.ended(end, `${path || 'a Timestamp'}`);
  }
}

/**
 * Checks `bytes` as an encoding of `desc`, adding a violation to `v` for
 * every problem found. Rules are keyed by field descriptor.
 */
export function checkWire(
  desc: DescMessage,
  bytes: Uint8Array,
  rules: ReadonlyMap<DescField, FieldRule>,
  v: Violations,
): void {
  new Walk(new BinaryReader(bytes), rules, v).run(desc);
}
