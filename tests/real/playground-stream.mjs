// playground-stream.mjs - check-teams.sh's window on the Microsoft 365
// Agents Playground: what the Playground shows of reflekt's messages.
//
//   node playground-stream.mjs watch URL FILE
//       Connect to the Playground's conversation stream (a WebSocket) and
//       append every pushed message to FILE as one JSON line; a line
//       {"stream":"open"} once connected, {"stream":"closed"} at the end.
//       Exits when the Playground closes the stream.  Needs a global
//       WebSocket (Node 22, or Node 20 with --experimental-websocket).
//
//   node playground-stream.mjs list FILE
//       One line per bot message pushed so far, in order:
//       ACTION<TAB>MESSAGEID<TAB>BUTTONS<TAB>TEXT
//       ACTION is createMessage, updateMessage, ...; BUTTONS the card's
//       Action.Submit buttons as TITLE=action:delivery joined by "," ("-"
//       for none); TEXT the message's text and its cards' TextBlocks,
//       joined by " | ", newlines and tabs written as \n and \t.
//
//   node playground-stream.mjs data FILE MESSAGEID ACTION
//       The data (compact JSON) of the button whose data.action is ACTION
//       on the latest version of message MESSAGEID; exit 1 when none.
import fs from 'node:fs';

const [mode, ...args] = process.argv.slice(2);

function usage() {
    process.stderr.write('usage: playground-stream.mjs watch URL FILE | ' +
        'list FILE | data FILE MESSAGEID ACTION\n');
    process.exit(2);
}

function append(file, line) {
    fs.appendFileSync(file, line.replace(/[\r\n]+/g, ' ') + '\n');
}

function watch(url, file) {
    if (typeof WebSocket !== 'function') {
        process.stderr.write('playground-stream: no WebSocket in this node\n');
        process.exit(3);
    }
    const ws = new WebSocket(url);
    ws.onopen = () => append(file, '{"stream":"open"}');
    ws.onmessage = (e) => append(file, String(e.data));
    ws.onerror = (e) =>
        process.stderr.write(`playground-stream: ${e.message ?? 'error'}\n`);
    ws.onclose = () => {
        append(file, '{"stream":"closed"}');
        process.exit(0);
    };
}

// The pushed messages that carry a bot message, in order.
function messages(file) {
    let text = '';
    try {
        text = fs.readFileSync(file, 'utf8');
    } catch {
        return [];
    }
    const out = [];
    for (const line of text.split('\n')) {
        if (line.trim() === '')
            continue;
        let m;
        try {
            m = JSON.parse(line);
        } catch {
            continue;
        }
        if (m && typeof m.action === 'string' && m.message &&
            typeof m.message === 'object')
            out.push(m);
    }
    return out;
}

function cards(msg) {
    return (msg.attachments ?? [])
        .filter((a) => a && a.contentType ===
            'application/vnd.microsoft.card.adaptive' && a.content)
        .map((a) => a.content);
}

function flat(s) {
    return String(s).replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

function describe(m) {
    const msg = m.message;
    const texts = [];
    const buttons = [];
    if (typeof msg.text === 'string' && msg.text !== '')
        texts.push(msg.text);
    for (const card of cards(msg)) {
        for (const block of card.body ?? [])
            if (block && block.type === 'TextBlock')
                texts.push(String(block.text ?? ''));
        for (const act of card.actions ?? [])
            if (act && act.type === 'Action.Submit')
                buttons.push(`${act.title}=${act.data?.action}:` +
                    `${act.data?.delivery}`);
    }
    return [m.action, msg.messageId ?? '-',
        buttons.length ? buttons.join(',') : '-',
        texts.length ? flat(texts.join(' | ')) : '-'].join('\t');
}

function data(file, id, action) {
    let found = null;
    for (const m of messages(file)) {
        if (String(m.message.messageId) !== id)
            continue;
        found = null; // the latest version counts
        for (const card of cards(m.message))
            for (const act of card.actions ?? [])
                if (act && act.type === 'Action.Submit' &&
                    act.data?.action === action)
                    found = act.data;
    }
    if (found === null)
        process.exit(1);
    process.stdout.write(JSON.stringify(found) + '\n');
}

if (mode === 'watch' && args.length === 2)
    watch(args[0], args[1]);
else if (mode === 'list' && args.length === 1)
    for (const m of messages(args[0]))
        process.stdout.write(describe(m) + '\n');
else if (mode === 'data' && args.length === 3)
    data(args[0], args[1], args[2]);
else
    usage();
