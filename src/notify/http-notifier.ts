import type { Article } from "../article/article.js";
import { type HttpRequest, sendHttp } from "./http.js";
import type { Notifier } from "./notifier.js";

/** A notifier that is one HTTP request per article: the service module builds it, this sends it. */
export class HttpNotifier implements Notifier {
  constructor(
    readonly label: string,
    readonly request: (article: Article) => HttpRequest,
    readonly timeoutMs = 10_000,
  ) {}

  preview(article: Article): unknown {
    return this.request(article).json;
  }

  send(article: Article, signal?: AbortSignal): Promise<void> {
    return sendHttp(this.request(article), { timeoutMs: this.timeoutMs, signal });
  }
}
