/**
 * What a terminal shows after the given output: a small screen model for the escape sequences the
 * progress board's renderer (log-update) and the command write (cursor up, down and to the left
 * edge, erase line and to its end, erase below, carriage return, line feed). Colours, cursor
 * visibility and synchronized output do not move anything and are dropped. Tests read the screen
 * rather than the bytes: how a frame is drawn is the renderer's business, what is seen is ours.
 */
export function screen(output: string): string[] {
  const rows: string[][] = [[]];
  let row = 0;
  let column = 0;
  const line = () => {
    while (rows.length <= row) rows.push([]);
    return rows[row] as string[];
  };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are what is parsed.
  const tokens = output.split(/(\x1b\[[0-9;?]*[A-Za-z]|\r|\n)/);
  for (const token of tokens) {
    if (token === '') continue;
    if (token === '\n') {
      row++;
      column = 0;
      line();
      continue;
    }
    if (token === '\r') {
      column = 0;
      continue;
    }
    // biome-ignore lint/suspicious/noControlCharactersInRegex: as above.
    const sequence = /^\x1b\[([0-9;?]*)([A-Za-z])$/.exec(token);
    if (sequence) {
      const [, argument = '', command] = sequence;
      const count = Number(argument) || 1;
      if (command === 'A') row = Math.max(0, row - count);
      else if (command === 'B') row += count;
      else if (command === 'G') column = Math.max(0, (Number(argument) || 1) - 1);
      else if (command === 'K' && (argument === '' || argument === '0')) line().length = column;
      else if (command === 'K' && argument === '2') line().length = 0;
      else if (command === 'J') {
        line().length = column;
        rows.length = row + 1;
      }
      line();
      continue;
    }
    const cells = line();
    for (const character of token) {
      while (cells.length < column) cells.push(' ');
      cells[column++] = character;
    }
  }
  const text = rows.map((cells) => cells.join(''));
  while (text.length > 0 && text.at(-1) === '') text.pop();
  return text;
}
