/**
 * What a Google Chat incoming webhook accepts (developers.google.com/workspace/chat: Message, cardsV2):
 * `text` and/or `cardsV2` [{cardId, card: {header: {title, subtitle}, sections: [{widgets}]}}];
 * textParagraph text is a small HTML subset (b, i, u, s, a, br, font); buttons open http(s) links.
 */
import type { ReceivedRequest } from "../receiver.js";
import { httpUrl, isObject, jsonRequest, onlyKeys, type Problems, text } from "./check.js";

export function validateGchat(req: ReceivedRequest): Problems {
  const out = jsonRequest(req);
  const body = req.body;
  if (!isObject(body)) return out;
  out.push(...onlyKeys("body", body, ["text", "cardsV2", "thread"]));
  out.push(...text("text", body.text, 4096, { optional: true }));
  if (!Array.isArray(body.cardsV2))
    return body.text === undefined ? [...out, "needs text or cardsV2"] : out;
  for (const [i, c] of body.cardsV2.entries()) {
    const where = `cardsV2.${i}`;
    if (!isObject(c) || typeof c.cardId !== "string" || !isObject(c.card)) {
      out.push(`${where}: expected {cardId, card}`);
      continue;
    }
    const { header, sections } = c.card;
    if (header !== undefined) {
      if (!isObject(header)) out.push(`${where}.header: not an object`);
      else
        out.push(
          ...text(`${where}.header.title`, header.title, 1000),
          ...text(`${where}.header.subtitle`, header.subtitle, 1000, { optional: true }),
        );
    }
    if (!Array.isArray(sections) || sections.length === 0)
      out.push(`${where}.sections: expected a list`);
    for (const [j, s] of (Array.isArray(sections) ? sections : []).entries()) {
      const widgets = isObject(s) && Array.isArray(s.widgets) ? s.widgets : [];
      for (const [k, w] of widgets.entries())
        out.push(...widget(`${where}.sections.${j}.widgets.${k}`, w));
    }
  }
  return out;
}

function widget(where: string, w: unknown): Problems {
  if (!isObject(w)) return [`${where}: not an object`];
  if (isObject(w.textParagraph))
    return text(`${where}.textParagraph.text`, w.textParagraph.text, 4096);
  if (isObject(w.buttonList) && Array.isArray(w.buttonList.buttons)) {
    return w.buttonList.buttons.flatMap((b, i) => {
      const url =
        isObject(b) && isObject(b.onClick) && isObject(b.onClick.openLink)
          ? b.onClick.openLink.url
          : undefined;
      return [
        ...text(`${where}.buttons.${i}.text`, isObject(b) ? b.text : undefined, 200),
        ...httpUrl(`${where}.buttons.${i}.url`, url),
      ];
    });
  }
  return onlyKeys(where, w, []);
}

/** Card text holds only our template's tags; no <users/...> mention anywhere. */
export function gchatInjection(req: ReceivedRequest, tags: readonly string[]): Problems {
  const out: Problems = [];
  if (req.text.includes("<users/")) out.push("a <users/...> mention");
  const cards =
    (
      req.body as {
        cardsV2?: { card: { sections: { widgets: { textParagraph?: { text: string } }[] }[] } }[];
      }
    ).cardsV2 ?? [];
  for (const c of cards) {
    for (const s of c.card.sections) {
      for (const w of s.widgets) {
        const html = w.textParagraph?.text;
        if (html === undefined) continue;
        for (const m of html.matchAll(/<\/?([a-zA-Z]+)/g))
          if (!tags.includes((m[1] as string).toLowerCase())) out.push(`<${m[1]}> tag`);
      }
    }
  }
  return out;
}
