// A showing's seat map drawn to scale: one row of the grid per seat row (front row, nearest the screen, first), one
// column per seat number, so a missing number is an aisle. Every seat is a <button> with a spoken label; the
// arrow keys move between seats (a roving tabindex: Tab enters and leaves the map in one step).

import { el, money } from "./api.js";

const CATEGORY_NAMES = {
  standard: "standard",
  premium: "premium",
  wheelchair: "wheelchair space",
  companion: "companion seat",
};

const STATUS_NAMES = {
  available: "available",
  held: "held by someone else",
  booked: "booked",
  blocked: "blocked",
};

export class SeatMap {
  /**
   * @param container the element the map is drawn into
   * @param seats the seats of GET /showings/{id}/seats
   * @param onToggle called with a seat when a person presses it
   */
  constructor(container, seats, { onToggle, currency }) {
    this.container = container;
    this.onToggle = onToggle;
    this.currency = currency;
    this.seats = new Map(seats.map((seat) => [seat.seat_id, { ...seat }]));
    this.selected = new Set(); // picked on this page, not yet sent
    this.mine = new Set(); // held or booked by this person's own booking
    this.buttons = new Map();
    this.rows = [];
    this.draw();
  }

  draw() {
    const rows = new Map();
    for (const seat of this.seats.values()) {
      if (!rows.has(seat.row)) rows.set(seat.row, []);
      rows.get(seat.row).push(seat);
    }
    let columns = 0;
    for (const seats of rows.values()) {
      seats.sort((a, b) => a.number - b.number);
      columns = Math.max(columns, seats[seats.length - 1].number);
    }
    this.rows = [...rows.entries()].map(([label, seats]) => ({ label, seats }));
    const grid = el("div", { class: "seat-grid", role: "group", "aria-label": "Seats, screen at the front" });
    grid.style.setProperty("--columns", String(columns));
    grid.append(el("div", { class: "screen", "aria-hidden": "true", text: "Screen" }));
    let first = true;
    for (const row of this.rows) {
      const line = el("div", { class: "seat-row", role: "group", "aria-label": `Row ${row.label}` });
      line.append(el("span", { class: "row-label", "aria-hidden": "true", text: row.label }));
      for (const seat of row.seats) {
        const button = el("button", {
          type: "button",
          class: "seat",
          "data-seat-id": seat.seat_id,
          "data-label": seat.label,
          "data-category": seat.category,
          tabindex: first ? "0" : "-1",
          onclick: () => this.onToggle(this.seats.get(seat.seat_id)),
          onkeydown: (event) => this.onKey(event, seat.seat_id),
        });
        first = false;
        button.style.gridColumn = String(seat.number + 1);
        this.buttons.set(seat.seat_id, button);
        line.append(button);
        this.paint(seat.seat_id);
      }
      const right = el("span", { class: "row-label", "aria-hidden": "true", text: row.label });
      right.style.gridColumn = String(columns + 2);
      line.append(right);
      grid.append(line);
    }
    this.container.replaceChildren(grid);
  }

  /** The state a seat shows: yours (selected or held by you), or its status in the seat map. */
  shownState(seat) {
    if (this.selected.has(seat.seat_id)) return "selected";
    if (this.mine.has(seat.seat_id)) return "mine";
    return seat.status;
  }

  paint(seatId) {
    const seat = this.seats.get(seatId);
    const button = this.buttons.get(seatId);
    if (!seat || !button) return;
    const state = this.shownState(seat);
    button.dataset.status = state;
    const free = state === "available" || state === "selected";
    button.setAttribute("aria-disabled", free ? "false" : "true");
    button.setAttribute("aria-pressed", state === "selected" ? "true" : "false");
    const status =
      state === "selected" ? "selected" : state === "mine" ? "yours" : STATUS_NAMES[seat.status] || seat.status;
    button.setAttribute(
      "aria-label",
      `Row ${seat.row}, seat ${seat.number}, ${CATEGORY_NAMES[seat.category] || seat.category}, ${status}, ` +
        money(seat.price, this.currency),
    );
    button.title = `${seat.label} · ${CATEGORY_NAMES[seat.category]} · ${money(seat.price, this.currency)}`;
  }

  paintAll() {
    for (const seatId of this.seats.keys()) this.paint(seatId);
  }

  /** Statuses from the live feed: {seat_id: status}. Returns the seats whose status changed. */
  update(statuses) {
    const changed = [];
    for (const [seatId, status] of Object.entries(statuses)) {
      const seat = this.seats.get(seatId);
      if (seat && seat.status !== status) {
        seat.status = status;
        changed.push(seat);
        this.paint(seatId);
      }
    }
    return changed;
  }

  setSelected(ids) {
    this.selected = new Set(ids);
    this.paintAll();
  }

  setMine(ids) {
    this.mine = new Set(ids);
    this.paintAll();
  }

  // -- keyboard ---------------------------------------------------------------------------------------------------

  position(seatId) {
    for (let r = 0; r < this.rows.length; r++) {
      const index = this.rows[r].seats.findIndex((s) => s.seat_id === seatId);
      if (index >= 0) return [r, index];
    }
    return [0, 0];
  }

  onKey(event, seatId) {
    const [r, i] = this.position(seatId);
    const row = this.rows[r].seats;
    let target = null;
    const nearest = (other) => {
      if (!other) return null;
      const number = row[i].number;
      return other.seats.reduce((best, s) =>
        Math.abs(s.number - number) < Math.abs(best.number - number) ? s : best,
      );
    };
    switch (event.key) {
      case "ArrowLeft":
        target = row[i - 1];
        break;
      case "ArrowRight":
        target = row[i + 1];
        break;
      case "ArrowUp":
        target = nearest(this.rows[r - 1]);
        break;
      case "ArrowDown":
        target = nearest(this.rows[r + 1]);
        break;
      case "Home":
        target = row[0];
        break;
      case "End":
        target = row[row.length - 1];
        break;
      default:
        return;
    }
    event.preventDefault();
    if (target) this.focus(target.seat_id);
  }

  focus(seatId) {
    for (const button of this.buttons.values()) button.tabIndex = -1;
    const button = this.buttons.get(seatId);
    button.tabIndex = 0;
    button.focus();
  }
}

// -- the single-seat rule (API.md §6), the same computation as the service's, to explain it before sending --------

const FORMS_RUNS = new Set(["standard", "premium"]);

/**
 * The labels of the seats a request for `requested` (seat ids) would leave alone, when the rule refuses it; else
 * an empty list. Runs: neighbouring standard or premium seats that are all available before the request.
 */
export function singleSeatGaps(allSeats, requested) {
  const asked = new Set(requested);
  const rows = new Map();
  for (const seat of allSeats) {
    if (!rows.has(seat.row)) rows.set(seat.row, []);
    rows.get(seat.row).push(seat);
  }
  const stranded = [];
  let refused = false;
  for (const row of rows.values()) {
    row.sort((a, b) => a.number - b.number);
    const touched = row.filter((s) => asked.has(s.seat_id));
    if (!touched.length) continue;
    for (const run of runsOf(row)) {
      const count = run.filter((s) => asked.has(s.seat_id)).length;
      if (!count) continue;
      const alone = strandedBy(row, run, asked);
      if (!alone.length) continue;
      stranded.push(...alone);
      if (!everyWayStrands(row, run, asked, count)) refused = true;
    }
  }
  return refused ? stranded.map((s) => s.label) : [];
}

function runsOf(row) {
  const runs = [];
  let current = [];
  for (const seat of row) {
    if (!(seat.status === "available" && FORMS_RUNS.has(seat.category))) {
      current = [];
      continue;
    }
    if (current.length && current[current.length - 1].number !== seat.number - 1) current = [];
    if (!current.length) runs.push(current);
    current.push(seat);
  }
  return runs;
}

function strandedBy(row, run, taken) {
  const freeAfter = new Set(row.filter((s) => s.status === "available" && !taken.has(s.seat_id)).map((s) => s.number));
  return run.filter((s) => !taken.has(s.seat_id) && !freeAfter.has(s.number - 1) && !freeAfter.has(s.number + 1));
}

function everyWayStrands(row, run, taken, count) {
  const inRun = new Set(run.map((s) => s.seat_id));
  const outside = [...taken].filter((id) => !inRun.has(id));
  for (let start = 0; start + count <= run.length; start++) {
    const window = new Set([...outside, ...run.slice(start, start + count).map((s) => s.seat_id)]);
    if (!strandedBy(row, run, window).length) return false;
  }
  return true;
}
