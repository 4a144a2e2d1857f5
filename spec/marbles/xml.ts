/**
 * A strict, small XML well-formedness check (no DTDs, no external entities):
 * one root element, properly nested and closed tags, quoted and unique
 * attributes, only the five predefined entities and character references,
 * no markup characters in text or attribute values.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
}

export class XmlError extends Error {
  override name = 'XmlError';
}

const NAME = /^[A-Za-z_:][\w:.-]*/;
const ENTITY = /^&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/;

/** Parses `text` and returns every element, in document order; throws XmlError at the first problem. */
export function parseXml(text: string): XmlElement[] {
  const elements: XmlElement[] = [];
  const stack: string[] = [];
  let roots = 0;
  let i = 0;
  const fail = (message: string): never => {
    const line = text.slice(0, i).split('\n').length;
    throw new XmlError(`line ${line}: ${message}`);
  };
  const checkText = (chunk: string, where: string) => {
    for (let j = chunk.indexOf('&'); j !== -1; j = chunk.indexOf('&', j + 1)) {
      if (!ENTITY.test(chunk.slice(j))) fail(`bad entity reference in ${where}: ${chunk.slice(j, j + 12)}`);
    }
  };
  if (text.startsWith('<?xml')) {
    const end = text.indexOf('?>');
    if (end === -1) fail('unterminated XML declaration');
    i = end + 2;
  }
  while (i < text.length) {
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end === -1) fail('unterminated comment');
      if (text.slice(i + 4, end).includes('--')) fail("'--' inside a comment");
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      if (stack.length === 0) fail('CDATA outside the root element');
      const end = text.indexOf(']]>', i);
      if (end === -1) fail('unterminated CDATA section');
      i = end + 3;
    } else if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i);
      if (end === -1) fail('unterminated processing instruction');
      i = end + 2;
    } else if (text.startsWith('<!', i)) {
      fail('DOCTYPE and other declarations are not allowed');
    } else if (text.startsWith('</', i)) {
      i += 2;
      const name = NAME.exec(text.slice(i))?.[0] ?? fail('a closing tag without a name');
      i += name.length;
      while (/\s/.test(text[i] ?? '')) i++;
      if (text[i] !== '>') fail(`expected '>' to end </${name}`);
      i++;
      const open = stack.pop();
      if (open !== name) fail(`</${name}> closes <${open ?? 'nothing'}>`);
    } else if (text[i] === '<') {
      i++;
      const name = NAME.exec(text.slice(i))?.[0] ?? fail("'<' not followed by a tag name");
      i += name.length;
      if (stack.length === 0 && roots++ > 0) fail(`a second root element <${name}>`);
      const attributes: Record<string, string> = {};
      for (;;) {
        const space = /^\s*/.exec(text.slice(i))![0].length;
        i += space;
        if (text.startsWith('/>', i)) {
          i += 2;
          elements.push({ name, attributes });
          break;
        }
        if (text[i] === '>') {
          i++;
          elements.push({ name, attributes });
          stack.push(name);
          break;
        }
        if (space === 0) fail(`expected whitespace before an attribute in <${name}>`);
        const attribute = NAME.exec(text.slice(i))?.[0] ?? fail(`bad attribute name in <${name}>`);
        i += attribute.length;
        if (attribute in attributes) fail(`duplicate attribute ${attribute} in <${name}>`);
        while (/\s/.test(text[i] ?? '')) i++;
        if (text[i] !== '=') fail(`attribute ${attribute} in <${name}> has no value`);
        i++;
        while (/\s/.test(text[i] ?? '')) i++;
        const quote = text[i];
        if (quote !== '"' && quote !== "'") fail(`attribute ${attribute} in <${name}> is not quoted`);
        const end = text.indexOf(quote!, i + 1);
        if (end === -1) fail(`unterminated value of ${attribute} in <${name}>`);
        const value = text.slice(i + 1, end);
        if (value.includes('<')) fail(`'<' in the value of ${attribute} in <${name}>`);
        checkText(value, `attribute ${attribute}`);
        attributes[attribute] = value;
        i = end + 1;
      }
    } else {
      const end = text.indexOf('<', i);
      const chunk = text.slice(i, end === -1 ? text.length : end);
      if (stack.length === 0 && chunk.trim() !== '')
        fail(`text outside the root element: ${chunk.trim().slice(0, 20)}`);
      checkText(chunk, 'text');
      i += chunk.length;
    }
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1]}> is not closed`);
  if (roots === 0) fail('no root element');
  return elements;
}
