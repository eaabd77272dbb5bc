// Following the service live over MQTT websockets (API.md §8), with MQTT.js (vendor/mqtt.min.js, the global `mqtt`).
//
// A seat map: GET /showings/{id}/seats first (the layout and a version), then seats/snapshot/{id} (retained: the
// whole map at once) and seats/status/{id} (one message per change, numbered by `version`). A message whose
// version is not the next one means one was missed: the page re-reads the seat map with If-None-Match and applies
// what it holds beyond that. With no broker address, or while the broker is out of reach, the page polls the seat
// map every few seconds instead (a 304 costs next to nothing).

import { ApiError } from "./api.js";

const POLL_MS = 2000;

let client = null;
let clientUrl = null;
const handlers = new Map(); // topic -> Set(callback)
const connectionListeners = new Set();

function decode(payload) {
  try {
    return JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return null;
  }
}

/** The page's one MQTT connection (or null when there is no broker address or no MQTT.js). */
function connection(config) {
  if (!config.mqtt_ws_url || typeof window.mqtt?.connect !== "function") return null;
  if (client && clientUrl === config.mqtt_ws_url) return client;
  clientUrl = config.mqtt_ws_url;
  client = window.mqtt.connect(config.mqtt_ws_url, {
    protocolVersion: 4,
    clean: true,
    keepalive: 30,
    reconnectPeriod: 2000,
    connectTimeout: 5000,
    clientId: `lynriescoop-web-${Math.random().toString(16).slice(2, 12)}`,
  });
  client.on("message", (topic, payload) => {
    const message = decode(payload);
    if (!message) return;
    for (const callback of handlers.get(topic) || []) callback(message, topic);
  });
  for (const event of ["connect", "close", "offline", "error"]) {
    client.on(event, () => connectionListeners.forEach((listener) => listener(client.connected)));
  }
  return client;
}

function subscribe(config, topic, callback) {
  const mqttClient = connection(config);
  if (!mqttClient) return () => {};
  const full = `${config.topic_prefix || ""}${topic}`;
  if (!handlers.has(full)) {
    handlers.set(full, new Set());
    mqttClient.subscribe(full, { qos: 1 });
  }
  handlers.get(full).add(callback);
  return () => {
    const set = handlers.get(full);
    if (!set) return;
    set.delete(callback);
    if (!set.size) {
      handlers.delete(full);
      mqttClient.unsubscribe(full);
    }
  };
}

function onConnection(listener) {
  connectionListeners.add(listener);
  return () => connectionListeners.delete(listener);
}

export function mqttConnected() {
  return Boolean(client?.connected);
}

/**
 * One showing's seat statuses, kept current. `onChange(statuses, how)` gets {seat_id: status} for the seats that
 * changed (all of them the first time); `onMode(mode)` says "live", "polling" or "connecting".
 */
export class SeatFeed {
  constructor(config, showingId, { onChange, onMode }) {
    this.config = config;
    this.showingId = showingId;
    this.onChange = onChange;
    this.onMode = onMode || (() => {});
    this.version = -1;
    this.etag = null;
    this.statuses = new Map();
    this.pending = [];
    this.resyncing = null;
    this.stopped = false;
    this.cleanups = [];
    this.pollTimer = null;
  }

  /** Reads the seat map and starts following it; resolves to the seat map document. */
  async start() {
    const document = await this.read();
    if (this.config.mqtt_ws_url && window.mqtt) {
      this.cleanups.push(subscribe(this.config, `seats/snapshot/${this.showingId}`, (m) => this.onSnapshot(m)));
      this.cleanups.push(subscribe(this.config, `seats/status/${this.showingId}`, (m) => this.onDelta(m)));
      this.cleanups.push(onConnection((up) => this.modeChanged(up)));
      this.modeChanged(mqttConnected());
    } else {
      this.modeChanged(false);
    }
    return document;
  }

  stop() {
    this.stopped = true;
    this.cleanups.forEach((cleanup) => cleanup());
    this.cleanups = [];
    clearTimeout(this.pollTimer);
  }

  modeChanged(up) {
    if (this.stopped) return;
    clearTimeout(this.pollTimer);
    if (up) {
      this.onMode("live");
    } else {
      this.onMode(this.config.mqtt_ws_url && window.mqtt ? "connecting" : "polling");
      this.schedulePoll();
    }
  }

  schedulePoll() {
    clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(async () => {
      if (this.stopped || mqttConnected()) return;
      try {
        await this.read();
      } catch {
        // Unreachable for now: the next poll tries again.
      }
      this.schedulePoll();
    }, POLL_MS);
  }

  /** GET the seat map (If-None-Match: a 304 changes nothing). Returns the document when it was read. */
  async read() {
    const headers = this.etag ? { "If-None-Match": this.etag } : {};
    const response = await fetch(`/showings/${this.showingId}/seats`, {
      headers: { Accept: "application/json", ...headers },
    });
    if (response.status === 304) return null;
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      throw new ApiError(response.status, problem);
    }
    const document = await response.json();
    this.etag = response.headers.get("ETag");
    if (document.version >= this.version) {
      this.version = document.version;
      this.apply(Object.fromEntries(document.seats.map((s) => [s.seat_id, s.status])), "read");
    }
    this.drain();
    return document;
  }

  apply(statuses, how) {
    const changed = {};
    for (const [seatId, status] of Object.entries(statuses)) {
      if (this.statuses.get(seatId) !== status) {
        this.statuses.set(seatId, status);
        changed[seatId] = status;
      }
    }
    if (Object.keys(changed).length && !this.stopped) this.onChange(changed, how);
  }

  onSnapshot(message) {
    if (this.stopped || typeof message.version !== "number" || message.version <= this.version) return;
    this.version = message.version;
    this.apply(Object.fromEntries(message.seats.map((s) => [s.seat_id, s.status])), "snapshot");
    this.drain();
  }

  onDelta(message) {
    if (this.stopped || typeof message.version !== "number" || message.version <= this.version) return;
    this.pending.push(message);
    this.drain();
    if (this.pending.length) this.resync();
  }

  /** Applies the held deltas that follow the current version, in order; drops those already covered. */
  drain() {
    this.pending.sort((a, b) => a.version - b.version);
    while (this.pending.length) {
      const next = this.pending[0];
      if (next.version <= this.version) {
        this.pending.shift();
      } else if (next.version === this.version + 1) {
        this.pending.shift();
        this.version = next.version;
        this.apply(Object.fromEntries(next.seats.map((s) => [s.seat_id, s.status])), next.reason || "delta");
      } else {
        break;
      }
    }
  }

  /** A version was missed: read the seat map again (bounded retries while other processes catch up). */
  resync() {
    if (this.resyncing) return;
    this.resyncing = (async () => {
      for (let attempt = 0; attempt < 5 && this.pending.length && !this.stopped; attempt++) {
        try {
          await this.read();
        } catch {
          // Try again below.
        }
        if (this.pending.length) await new Promise((resolve) => setTimeout(resolve, 150 * (attempt + 1)));
      }
      if (this.pending.length) {
        // Still a hole the service has not filled: take the newest delta's word and move on.
        const last = this.pending[this.pending.length - 1];
        for (const message of this.pending) {
          this.apply(Object.fromEntries(message.seats.map((s) => [s.seat_id, s.status])), "delta");
        }
        this.version = last.version;
        this.pending = [];
      }
      this.resyncing = null;
    })();
  }
}

/** Check-ins of one showing as other doors make them: `onCheckIn(message)` for each checkin/{showing_id}. */
export function followCheckIns(config, showingId, onCheckIn, onMode) {
  const cleanups = [subscribe(config, `checkin/${showingId}`, onCheckIn)];
  if (onMode) {
    cleanups.push(onConnection((up) => onMode(up ? "live" : "connecting")));
    onMode(config.mqtt_ws_url && window.mqtt ? (mqttConnected() ? "live" : "connecting") : "off");
  }
  return () => cleanups.forEach((cleanup) => cleanup());
}
