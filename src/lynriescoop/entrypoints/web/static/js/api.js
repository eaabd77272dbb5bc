// The public HTTP API as the page uses it: settings from /config.json, the session (tokens), requests with
// problem+json errors turned into ApiError, a human message for every error code, and formatting.
//
// Tokens live in sessionStorage: they survive a reload of the tab but not its closing, and no other tab or site
// sees them. The Content-Security-Policy allows no inline or foreign script, which is what keeps them safe.

const SESSION_KEY = "lynriescoop.session";

let configPromise = null;

/** GET /config.json once: {mqtt_ws_url, topic_prefix, currency, hold_minutes, timezone, ...}. */
export function loadConfig() {
  if (!configPromise) {
    configPromise = fetch("/config.json", { headers: { Accept: "application/json" } }).then((response) => {
      if (!response.ok) throw new ApiError(response.status, { code: "internal_error" });
      return response.json();
    });
  }
  return configPromise;
}

// ---- the session ---------------------------------------------------------------------------------------------

export const session = {
  read() {
    try {
      return JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
    } catch {
      return null;
    }
  },
  save(pair) {
    sessionStorage.setItem(
      SESSION_KEY,
      JSON.stringify({ access_token: pair.access_token, refresh_token: pair.refresh_token, user: pair.user }),
    );
    window.dispatchEvent(new CustomEvent("session-changed"));
  },
  clear() {
    sessionStorage.removeItem(SESSION_KEY);
    window.dispatchEvent(new CustomEvent("session-changed"));
  },
  get user() {
    return this.read()?.user ?? null;
  },
};

export async function logIn(email, password) {
  const pair = await request("POST", "/auth/login", { body: { email, password }, auth: false });
  session.save(pair);
  return pair.user;
}

export async function register(email, name, password) {
  const pair = await request("POST", "/auth/register", { body: { email, name, password }, auth: false });
  session.save(pair);
  return pair.user;
}

export async function logOut() {
  const current = session.read();
  session.clear();
  if (current?.refresh_token) {
    try {
      await request("POST", "/auth/logout", { body: { refresh_token: current.refresh_token }, auth: false });
    } catch {
      // The tokens are gone from this tab either way; the refresh token lapses on its own.
    }
  }
}

let refreshing = null;

async function refreshTokens() {
  const current = session.read();
  if (!current?.refresh_token) return false;
  if (!refreshing) {
    refreshing = (async () => {
      try {
        const pair = await request("POST", "/auth/refresh", {
          body: { refresh_token: current.refresh_token },
          auth: false,
          retry: false,
        });
        session.save(pair);
        return true;
      } catch {
        session.clear();
        return false;
      } finally {
        refreshing = null;
      }
    })();
  }
  return refreshing;
}

// ---- requests ------------------------------------------------------------------------------------------------

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.code || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.code = this.problem.code || "error";
  }
}

/** A JSON request. `auth` (default true) sends the access token and, on 401, refreshes it once and retries. */
export async function request(method, path, { body, auth = true, headers = {}, retry = true } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const token = auth ? session.read()?.access_token : null;
  if (token) init.headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, { code: "network_error" });
  }
  if (response.status === 401 && token && retry && (await refreshTokens())) {
    return request(method, path, { body, auth, headers, retry: false });
  }
  if (response.status === 204 || response.status === 304) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data || { code: "internal_error" });
  return data;
}

/** An image the API serves only with the access token (a ticket's QR code), as a blob: URL for an <img>. */
export async function imageUrl(path) {
  const token = session.read()?.access_token;
  const response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (response.status === 401 && (await refreshTokens())) return imageUrl(path);
  if (!response.ok) throw new ApiError(response.status, { code: "ticket_not_found" });
  return URL.createObjectURL(await response.blob());
}

export function idempotencyKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

// ---- messages: one for every code the service answers with (API.md), and the page's own -------------------------

const labels = (problem, key) => (Array.isArray(problem[key]) ? problem[key].join(", ") : "");

export const MESSAGES = {
  // General (API.md §1)
  validation_error: "Something in the request was not accepted. Check the fields and try again.",
  not_found: "That page or item does not exist.",
  method_not_allowed: "That action is not possible here.",
  internal_error: "Something went wrong on our side. Please try again in a moment.",
  bad_request: "The request could not be understood.",
  not_acceptable: "The service cannot answer in a format this page understands.",
  unsupported_media_type: "The request was sent in a format the service does not accept.",
  payload_too_large: "The request is too large.",
  error: "Something went wrong. Please try again.",
  domain_error: "That is not possible right now.",
  conflict: "That clashes with something that changed meanwhile. Reload and try again.",
  rule_violated: "That is not allowed by the cinema's rules.",
  unavailable: "The service is busy or partly down. Please try again in a moment.",
  busy: "The service is very busy right now. Please try again in a few seconds.",
  database_unavailable: "The service cannot reach its database right now. Please try again in a moment.",
  upstream_error: "A service we depend on answered with an error. Please try again later.",
  // Accounts (§2)
  not_authenticated: "Please log in (your session may have expired).",
  invalid_credentials: "That email and password do not match an account.",
  account_disabled: "This account has been disabled. Please contact the cinema.",
  too_many_attempts: (p) =>
    `Too many attempts. Please wait${p.retry_after ? ` ${p.retry_after} seconds` : " a moment"} and try again.`,
  email_taken: "An account with that email already exists. Log in instead.",
  forbidden: "Your account is not allowed to do that.",
  last_manager: "That would leave the cinema without an active manager.",
  user_not_found: "That user does not exist.",
  // Catalogue (§3–§5)
  movie_not_found: "That movie does not exist.",
  tmdb_id_taken: "That movie has been imported already.",
  movie_has_showings: "That movie still has showings.",
  tmdb_unavailable: "The movie database cannot be reached right now.",
  tmdb_error: "The movie database answered with an error.",
  tmdb_movie_not_found: "The movie database does not know that movie.",
  room_not_found: "That room does not exist.",
  room_name_taken: "A room with that name exists already.",
  room_has_showings: "That room still has showings.",
  seat_not_found: "That seat does not exist.",
  invalid_room_layout: "That room layout is not valid.",
  showing_not_found: "This showing does not exist (any more).",
  showing_overlap: "That showing would overlap another one in the same room.",
  room_lacks_feature: "That room cannot show this format.",
  showing_has_bookings: "That showing has bookings already.",
  invalid_schedule: "Those times are not valid for a showing.",
  // Bookings and seat rules (§6)
  showing_not_bookable: "This showing can no longer be booked (it has started, ended or been cancelled).",
  too_many_seats: (p) =>
    `That is more seats than one person may hold for a showing${p.limit ? ` (at most ${p.limit})` : ""}.`,
  seat_not_in_room: "One of those seats is not in this room. Reload the seat map.",
  seats_unavailable: (p) =>
    `Sorry, ${labels(p, "seat_labels") || "some of those seats"} ${
      (p.seat_ids || []).length === 1 ? "was" : "were"
    } just taken by someone else. Please pick other seats.`,
  single_seat_gap: (p) =>
    `That choice would leave ${labels(p, "seat_labels") || "a seat"} alone, with no free seat beside it. ` +
    "Move your selection so no single seat is left over.",
  companion_needs_wheelchair: (p) =>
    `${labels(p, "seat_labels") || "Companion seats"}: a companion seat can only be booked together with the ` +
    "wheelchair space beside it (until an hour before the start).",
  no_adjacent_seats: (p) =>
    `No row has that many free seats side by side${
      p.available_seats !== undefined ? ` (${p.available_seats} seats are free in total)` : ""
    }. Try fewer seats, or pick them yourself.`,
  booking_not_found: "That booking does not exist (or is not yours).",
  hold_expired: "Your hold has lapsed and the seats were released. Please pick seats again.",
  booking_cancelled: "This booking was cancelled.",
  booking_not_confirmable: "This booking can no longer be confirmed.",
  cancellation_closed: "It is too late to cancel: bookings can be cancelled until shortly before the start.",
  idempotency_key_reused: "That request was already sent with different seats. Please try again.",
  outbox_entry_not_found: "That message does not exist.",
  // Tickets and check-in (§11)
  ticket_not_found: "That ticket does not exist (or is not yours).",
  already_checked_in: (p) => `Already in${p.checked_in_at ? ` at ${formatTime(p.checked_in_at)}` : ""}.`,
  ticket_revoked: "This ticket was revoked (its booking was cancelled).",
  invalid_ticket: "Invalid ticket: this code is not a ticket of this cinema.",
  wrong_showing: "This ticket is for another showing.",
  checkin_closed: "Check-in is closed: the showing has ended or was cancelled.",
  // The page's own
  network_error: "The service cannot be reached. Check your connection and try again.",
};

/** A sentence for a person, for any error the page meets. */
export function messageFor(error) {
  const problem = error?.problem || {};
  const code = error?.code || problem.code || "error";
  const message = MESSAGES[code];
  if (typeof message === "function") return message(problem);
  if (message) return message;
  return problem.detail || MESSAGES.error;
}

// ---- formatting ----------------------------------------------------------------------------------------------

let zone = undefined;
let currency = "EUR";

export function useFormats(config) {
  zone = config.timezone;
  currency = config.currency;
}

export function money(amount, code = currency) {
  return `${Number(amount).toFixed(2)} ${code}`;
}

export function formatTime(iso) {
  return new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit" }).format(
    new Date(iso),
  );
}

export function formatDay(iso) {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: zone,
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
  }).format(new Date(iso));
}

/** YYYY-MM-DD of a moment in the cinema's time zone (the `date` filter of GET /showings). */
export function isoDay(moment = new Date()) {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(moment);
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}
