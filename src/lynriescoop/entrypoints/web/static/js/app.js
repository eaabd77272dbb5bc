// The customer page (GET /): a day's showings, a showing's live seat map, hold, confirm, tickets, cancel.
// It uses the public HTTP API and the MQTT topics only, as any other client would (DESIGN.md 16).

import {
  ApiError,
  el,
  formatDay,
  formatTime,
  idempotencyKey,
  imageUrl,
  isoDay,
  loadConfig,
  logIn,
  logOut,
  messageFor,
  money,
  register,
  request,
  session,
  useFormats,
} from "./api.js";
import { SeatFeed } from "./live.js";
import { SeatMap, singleSeatGaps } from "./seatmap.js";

const $ = (id) => document.getElementById(id);

const CATEGORY_TITLES = {
  standard: "Standard",
  premium: "Premium",
  wheelchair: "Wheelchair space",
  companion: "Companion seat (next to a wheelchair space)",
};

const state = {
  config: null,
  showing: null,
  feed: null,
  map: null,
  selection: [], // seat ids, in the order picked
  booking: null, // this person's pending booking on the open showing
  clockOffset: 0, // the service's clock minus this browser's, from the hold's created_at
  countdownTimer: null,
  view: null,
};

// ---- messages ------------------------------------------------------------------------------------------------

function announce(text) {
  const region = $("announce");
  region.textContent = "";
  // A new node each time, so screen readers read the same sentence twice when it repeats.
  setTimeout(() => (region.textContent = text), 30);
}

function showError(error) {
  const alert = $("alert");
  alert.textContent = typeof error === "string" ? error : messageFor(error);
  alert.dataset.code = error?.code || "";
  alert.hidden = false;
}

function clearError() {
  $("alert").hidden = true;
  $("alert").textContent = "";
}

// ---- account -------------------------------------------------------------------------------------------------

function renderAccount() {
  const user = session.user;
  $("account-name").textContent = user ? `${user.name}` : "";
  $("login-button").hidden = Boolean(user);
  $("logout-button").hidden = !user;
  $("nav-mine").hidden = !user;
  $("nav-door").hidden = !(user && (user.role === "staff" || user.role === "manager"));
}

let loginResolve = null;
let registering = false;

function setRegistering(on) {
  registering = on;
  $("register-fields").hidden = !on;
  $("register-name").required = on;
  $("login-title").textContent = on ? "Create an account" : "Log in";
  $("login-submit").textContent = on ? "Register" : "Log in";
  $("login-switch").textContent = on ? "Have an account? Log in" : "No account yet? Register";
  $("login-password").autocomplete = on ? "new-password" : "current-password";
  $("login-password").minLength = on ? 8 : 1;
}

/** Resolves true once someone is logged in (asking if needed), false if they cancel. */
function requireLogin(reason) {
  if (session.user) return Promise.resolve(true);
  $("login-reason").textContent = reason || "";
  $("login-error").hidden = true;
  setRegistering(false);
  $("login-dialog").showModal();
  $("login-email").focus();
  return new Promise((resolve) => (loginResolve = resolve));
}

function closeLogin(ok) {
  $("login-dialog").close();
  if (loginResolve) loginResolve(ok);
  loginResolve = null;
}

async function submitLogin(event) {
  event.preventDefault();
  const email = $("login-email").value.trim();
  const password = $("login-password").value;
  $("login-submit").disabled = true;
  try {
    if (registering) await register(email, $("register-name").value.trim(), password);
    else await logIn(email, password);
    $("login-password").value = "";
    announce(`Logged in as ${session.user.name}.`);
    closeLogin(true);
  } catch (error) {
    $("login-error").textContent = messageFor(error);
    $("login-error").hidden = false;
  } finally {
    $("login-submit").disabled = false;
  }
}

// ---- views ---------------------------------------------------------------------------------------------------

function show(view) {
  for (const id of ["view-showings", "view-showing", "view-booking", "view-mine"]) $(id).hidden = id !== view;
  if (state.view !== view) {
    state.view = view;
    window.scrollTo(0, 0);
  }
}

function leaveShowing() {
  state.feed?.stop();
  state.feed = null;
  state.map = null;
  state.showing = null;
  state.selection = [];
  state.booking = null;
  clearInterval(state.countdownTimer);
}

async function route() {
  clearError();
  const hash = location.hash || "#/";
  const [, kind, id] = hash.match(/^#\/(showing|booking|mine)?\/?([0-9a-f-]*)/i) || [];
  if (kind !== "showing" || (state.showing && state.showing.id !== id)) leaveShowing();
  try {
    if (kind === "showing" && id) await openShowing(id);
    else if (kind === "booking" && id) await openBooking(id);
    else if (kind === "mine") await openMine();
    else await openShowings();
  } catch (error) {
    showError(error);
  }
}

// ---- a day's showings ----------------------------------------------------------------------------------------

function shiftDay(days) {
  const day = new Date(`${$("day").value}T12:00:00Z`);
  day.setUTCDate(day.getUTCDate() + days);
  $("day").value = day.toISOString().slice(0, 10);
  openShowings();
}

async function openShowings() {
  show("view-showings");
  if (!$("day").value) $("day").value = isoDay();
  const day = $("day").value;
  const page = await request("GET", `/showings?date=${encodeURIComponent(day)}&limit=100`, { auth: false });
  if ($("day").value !== day) return; // another day was picked meanwhile: its own answer fills the list
  const list = $("showing-list");
  list.replaceChildren(
    ...page.items.map((showing) => {
      const features = [showing.is_3d && "3D", showing.is_imax && "IMAX", showing.is_dolby && "Dolby"].filter(Boolean);
      const from = Math.min(Number(showing.price), ...Object.values(showing.prices || {}).map(Number));
      return el(
        "li",
        { class: "showing-card" },
        el(
          "a",
          { href: `#/showing/${showing.id}`, "data-showing-id": showing.id },
          el("span", { class: "time", text: formatTime(showing.start_time) }),
          el("span", { class: "title", text: showing.movie.title }),
          el(
            "span",
            { class: "meta" },
            `${showing.room.name}${features.length ? ` · ${features.join(" · ")}` : ""} · from ${money(from, showing.currency)}`,
          ),
          el("span", { class: "free", text: `${showing.available_seats} of ${showing.capacity} seats free` }),
        ),
      );
    }),
  );
  $("showings-empty").hidden = page.items.length > 0;
}

// ---- a showing: the live seat map ----------------------------------------------------------------------------

async function openShowing(id) {
  show("view-showing");
  if (state.showing?.id === id && state.map) return;
  const config = state.config;
  const showing = await request("GET", `/showings/${id}`, { auth: false });
  state.showing = showing;
  $("showing-title").textContent = showing.movie.title;
  const features = [showing.is_3d && "3D", showing.is_imax && "IMAX", showing.is_dolby && "Dolby"].filter(Boolean);
  $("showing-meta").textContent =
    `${formatDay(showing.start_time)}, ${formatTime(showing.start_time)}–${formatTime(showing.end_time)} · ` +
    `${showing.room.name}${features.length ? ` · ${features.join(" · ")}` : ""}`;
  document.title = `${showing.movie.title}, ${formatTime(showing.start_time)} – LynrieScoop`;

  const feed = new SeatFeed(config, id, {
    onChange: (changed) => seatsChanged(changed),
    onMode: (mode) => {
      const line = $("live-state");
      line.dataset.mode = mode;
      line.textContent =
        mode === "live"
          ? "Live: seats change here the moment they are taken."
          : mode === "polling"
            ? "Seats are refreshed every few seconds."
            : "Connecting to live updates…";
    },
  });
  state.feed = feed;
  const seatMap = await feed.start();
  if (state.feed !== feed) return; // left meanwhile
  state.map = new SeatMap($("seat-map"), seatMap.seats, { onToggle: toggleSeat, currency: showing.currency });
  // Statuses that arrived between the read and the drawing.
  state.map.update(Object.fromEntries(feed.statuses));
  drawLegend(seatMap.seats, showing.currency);
  $("best-count").max = String(config.max_seats_per_booking);
  updateSelection();
  showHoldPanel(false);
  await restorePendingHold(id);
}

function drawLegend(seats, currency) {
  const prices = {};
  for (const seat of seats) (prices[seat.category] ||= new Set()).add(money(seat.price, currency));
  const item = (attributes, text) =>
    el("li", {}, el("span", { class: "seat swatch", "aria-hidden": "true", ...attributes }), el("span", { text }));
  const categories = ["standard", "premium", "wheelchair", "companion"].filter((c) => prices[c]);
  $("legend").replaceChildren(
    el("h2", { class: "visually-hidden", text: "Legend" }),
    el(
      "ul",
      {},
      ...categories.map((c) =>
        item({ "data-category": c, "data-status": "available" }, `${CATEGORY_TITLES[c]}: ${[...prices[c]].join(", ")}`),
      ),
      item({ "data-category": "standard", "data-status": "selected" }, "Selected by you ✓"),
      item({ "data-category": "standard", "data-status": "mine" }, "Yours (held or booked)"),
      item({ "data-category": "standard", "data-status": "held" }, "Held by someone else (striped)"),
      item({ "data-category": "standard", "data-status": "booked" }, "Booked ✕"),
      item({ "data-category": "standard", "data-status": "blocked" }, "Not for sale"),
    ),
  );
}

function seatsChanged(changed) {
  if (!state.map) return;
  const seats = state.map.update(changed);
  const lost = seats.filter((s) => s.status !== "available" && state.selection.includes(s.seat_id));
  if (lost.length) {
    state.selection = state.selection.filter((id) => !lost.some((s) => s.seat_id === id));
    state.map.setSelected(state.selection);
    const names = lost.map((s) => s.label).join(", ");
    showError(`${names} ${lost.length === 1 ? "was" : "were"} just taken by someone else and left your selection.`);
    announce(`${names} just taken by someone else.`);
  }
  updateSelection();
}

function seatLabels(ids) {
  return ids.map((id) => state.map?.seats.get(id)?.label).filter(Boolean);
}

function toggleSeat(seat) {
  if (!seat) return;
  const label = `Row ${seat.row}, seat ${seat.number}`;
  if (state.booking) {
    announce("Confirm or release the seats you hold before picking others.");
    showError("You hold seats already: confirm or release them before picking others.");
    return;
  }
  const index = state.selection.indexOf(seat.seat_id);
  if (index >= 0) {
    state.selection.splice(index, 1);
    announce(`${label} removed from your selection.`);
  } else if (seat.status !== "available") {
    announce(`${label} is ${seat.status === "held" ? "held by someone else" : seat.status} and cannot be picked.`);
    return;
  } else if (state.selection.length >= state.config.max_seats_per_booking) {
    showError(`You can pick at most ${state.config.max_seats_per_booking} seats at once.`);
    return;
  } else {
    state.selection.push(seat.seat_id);
    announce(`${label} selected.`);
  }
  clearError();
  state.map.setSelected(state.selection);
  updateSelection();
}

function updateSelection() {
  if (!state.map) return;
  const seats = state.selection.map((id) => state.map.seats.get(id));
  const total = seats.reduce((sum, s) => sum + Number(s.price), 0);
  $("selection-summary").textContent = seats.length
    ? `${seats.map((s) => s.label).join(", ")} · ${seats.length} seat${seats.length === 1 ? "" : "s"} · ${money(total, state.showing.currency)}`
    : "Pick seats on the map (arrow keys move between seats, Space or Enter picks).";
  const gaps = state.config.single_seat_rule ? singleSeatGaps([...state.map.seats.values()], state.selection) : [];
  showRule(gaps);
  $("hold-button").disabled = !seats.length || gaps.length > 0;
  $("clear-button").hidden = !seats.length;
}

function showRule(labels) {
  const message = $("rule-message");
  if (!labels.length) {
    message.hidden = true;
    message.textContent = "";
    return;
  }
  message.textContent =
    `No seat left alone: your choice would leave ${labels.join(", ")} on ${labels.length === 1 ? "its" : "their"} ` +
    "own, with no free seat beside it. Add it to your selection, or move your seats so they start or end at it.";
  message.hidden = false;
}

// ---- hold, confirm, release ----------------------------------------------------------------------------------

async function hold() {
  if (!state.selection.length) return;
  if (!(await requireLogin("Log in to hold seats."))) return;
  await place("POST", "/bookings", { showing_id: state.showing.id, seat_ids: [...state.selection] });
}

async function bestAvailable(event) {
  event.preventDefault();
  if (state.booking) {
    showError("You hold seats already: confirm or release them first.");
    return;
  }
  if (!(await requireLogin("Log in to hold the best available seats."))) return;
  const body = { count: Number($("best-count").value) };
  if ($("best-category").value) body.category = $("best-category").value;
  if ($("best-accessible").checked) body.accessible = true;
  await place("POST", `/showings/${state.showing.id}/best-available`, body);
}

async function place(method, path, body) {
  clearError();
  $("hold-button").disabled = true;
  $("best-button").disabled = true;
  try {
    const booking = await request(method, path, { body, headers: { "Idempotency-Key": idempotencyKey() } });
    state.selection = [];
    startHold(booking);
    announce(`Held ${booking.seats.map((s) => s.label).join(", ")} for you.`);
  } catch (error) {
    if (error instanceof ApiError && error.code === "seats_unavailable") {
      const taken = error.problem.seat_ids || [];
      error.problem.seat_labels = seatLabels(taken);
      state.selection = state.selection.filter((id) => !taken.includes(id));
      state.map?.update(Object.fromEntries(taken.map((id) => [id, "held"])));
      state.map?.setSelected(state.selection);
    }
    if (error instanceof ApiError && error.code === "single_seat_gap") showRule(error.problem.seat_labels || []);
    showError(error);
  } finally {
    $("best-button").disabled = false;
    updateSelection();
  }
}

function startHold(booking) {
  state.booking = booking;
  state.clockOffset = Date.parse(booking.created_at) - Date.now();
  state.map?.setSelected([]);
  state.map?.setMine(booking.seats.map((s) => s.seat_id));
  $("hold-seats").textContent =
    `${booking.seats.map((s) => s.label).join(", ")} · ${money(booking.total_price, booking.currency)} · ` +
    `booking ${booking.booking_number}`;
  showHoldPanel(true);
  clearInterval(state.countdownTimer);
  let lastSpokenMinute = null;
  const tick = () => {
    const left = Math.max(0, Date.parse(booking.expires_at) - (Date.now() + state.clockOffset));
    const seconds = Math.ceil(left / 1000);
    $("countdown").textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
    $("countdown").dataset.seconds = String(seconds);
    const minute = Math.ceil(seconds / 60);
    if (minute !== lastSpokenMinute && (seconds % 60 === 0 || seconds === 30)) {
      lastSpokenMinute = minute;
      $("countdown-spoken").textContent = `${seconds >= 60 ? `${minute} minutes` : `${seconds} seconds`} left`;
    }
    if (left <= 0) holdLapsed();
  };
  tick();
  state.countdownTimer = setInterval(tick, 250);
}

function holdLapsed() {
  clearInterval(state.countdownTimer);
  state.booking = null;
  state.map?.setMine([]);
  showHoldPanel(false);
  updateSelection();
  showError("Your hold has lapsed and the seats were released. Please pick seats again.");
}

function showHoldPanel(on) {
  $("hold-panel").hidden = !on;
  $("pick-panel").hidden = on;
  if (on) $("confirm-button").focus();
}

async function confirm() {
  const booking = state.booking;
  if (!booking) return;
  $("confirm-button").disabled = true;
  try {
    const confirmed = await request("POST", `/bookings/${booking.id}/confirm`);
    clearInterval(state.countdownTimer);
    announce(`Booking ${confirmed.booking_number} confirmed.`);
    location.hash = `#/booking/${confirmed.id}`;
  } catch (error) {
    if (error.code === "hold_expired" || error.code === "booking_cancelled") holdLapsed();
    showError(error);
  } finally {
    $("confirm-button").disabled = false;
  }
}

async function release() {
  const booking = state.booking;
  if (!booking) return;
  try {
    await request("POST", `/bookings/${booking.id}/cancel`);
    clearInterval(state.countdownTimer);
    state.booking = null;
    state.map?.setMine([]);
    showHoldPanel(false);
    updateSelection();
    announce("Your seats were released.");
  } catch (error) {
    showError(error);
  }
}

/** After a reload: this person's live hold on the showing, if any, with its countdown. */
async function restorePendingHold(showingId) {
  if (!session.user) return;
  try {
    const page = await request("GET", "/bookings?status=pending&upcoming=true&limit=100");
    const live = page.items.find((b) => b.showing.id === showingId && Date.parse(b.expires_at) > Date.now());
    if (live && state.showing?.id === showingId) startHold(live);
  } catch {
    // Not worth an error: the person can still pick seats.
  }
}

// ---- a booking and its tickets -------------------------------------------------------------------------------

async function openBooking(id) {
  show("view-booking");
  if (!(await requireLogin("Log in to see your tickets."))) return;
  const booking = await request("GET", `/bookings/${id}`);
  const starts = booking.showing.start_time;
  $("booking-detail").replaceChildren(
    el(
      "dl",
      { class: "booking-facts" },
      el("dt", { text: "Movie" }),
      el("dd", { text: booking.showing.movie_title }),
      el("dt", { text: "When" }),
      el("dd", { text: `${formatDay(starts)}, ${formatTime(starts)}` }),
      el("dt", { text: "Room" }),
      el("dd", { text: booking.showing.room_name }),
      el("dt", { text: "Seats" }),
      el("dd", { text: booking.seats.map((s) => s.label).join(", ") }),
      el("dt", { text: "Total" }),
      el("dd", { text: money(booking.total_price, booking.currency) }),
      el("dt", { text: "Booking number" }),
      el("dd", { class: "booking-number", text: booking.booking_number }),
      el("dt", { text: "Status" }),
      el("dd", { id: "booking-status", "data-status": booking.status, text: booking.status }),
    ),
  );
  const tickets = await request("GET", `/bookings/${id}/tickets`);
  const list = $("ticket-list");
  list.replaceChildren(
    ...tickets.items.map((ticket) => {
      const image = el("img", { class: "qr", alt: `QR code of the ticket for seat ${ticket.seat_label}`, width: "180", height: "180" });
      imageUrl(`/tickets/${ticket.id}/qr.svg`).then(
        (url) => (image.src = url),
        () => (image.alt = `The QR code of seat ${ticket.seat_label} could not be loaded`),
      );
      return el(
        "li",
        { class: "ticket", "data-status": ticket.status, "data-ticket-id": ticket.id },
        el("h2", { text: `Seat ${ticket.seat_label}` }),
        image,
        el("p", { class: "ticket-status", text: ticket.status === "checked_in" ? "checked in" : ticket.status }),
        el("p", { class: "code" }, el("span", { class: "visually-hidden", text: "Ticket code: " }), ticket.code),
      );
    }),
  );
  const cutoff = Date.parse(starts) - state.config.cancel_cutoff_minutes * 60_000;
  const cancellable = ["pending", "confirmed"].includes(booking.status);
  const open = cancellable && Date.now() < cutoff;
  $("cancel-note").textContent = !cancellable
    ? ""
    : open
      ? `You can cancel until ${formatTime(new Date(cutoff).toISOString())} on ${formatDay(new Date(cutoff).toISOString())}.`
      : "Cancellation has closed for this showing.";
  const button = $("cancel-button");
  button.hidden = !open;
  button.dataset.armed = "";
  button.textContent = "Cancel this booking";
  button.onclick = async () => {
    if (!button.dataset.armed) {
      button.dataset.armed = "yes";
      button.textContent = "Yes, cancel it and release the seats";
      return;
    }
    try {
      await request("POST", `/bookings/${id}/cancel`);
      announce("Your booking was cancelled.");
      await openBooking(id);
    } catch (error) {
      showError(error);
    }
  };
}

async function openMine() {
  show("view-mine");
  if (!(await requireLogin("Log in to see your tickets."))) return;
  const page = await request("GET", "/bookings?upcoming=true&limit=100");
  $("mine-list").replaceChildren(
    ...page.items.map((b) =>
      el(
        "li",
        { class: "showing-card" },
        el(
          "a",
          { href: `#/booking/${b.id}` },
          el("span", { class: "time", text: formatTime(b.showing.start_time) }),
          el("span", { class: "title", text: b.showing.movie_title }),
          el(
            "span",
            { class: "meta" },
            `${formatDay(b.showing.start_time)} · ${b.showing.room_name} · ${b.seats.map((s) => s.label).join(", ")}`,
          ),
          el("span", { class: "free", text: b.status }),
        ),
      ),
    ),
  );
  $("mine-empty").hidden = page.items.length > 0;
}

// ---- start ---------------------------------------------------------------------------------------------------

async function main() {
  state.config = await loadConfig();
  useFormats(state.config);
  renderAccount();
  window.addEventListener("session-changed", renderAccount);
  $("login-button").addEventListener("click", () => requireLogin(""));
  $("logout-button").addEventListener("click", async () => {
    await logOut();
    announce("Logged out.");
    if (state.view !== "view-showing" && state.view !== "view-showings") location.hash = "#/";
  });
  $("login-form").addEventListener("submit", submitLogin);
  $("login-cancel").addEventListener("click", () => closeLogin(false));
  $("login-dialog").addEventListener("cancel", () => closeLogin(false));
  $("login-switch").addEventListener("click", () => setRegistering(!registering));
  $("day").addEventListener("change", () => openShowings().catch(showError));
  $("day-prev").addEventListener("click", () => shiftDay(-1));
  $("day-next").addEventListener("click", () => shiftDay(1));
  $("hold-button").addEventListener("click", hold);
  $("clear-button").addEventListener("click", () => {
    state.selection = [];
    state.map?.setSelected([]);
    updateSelection();
  });
  $("best-form").addEventListener("submit", bestAvailable);
  $("confirm-button").addEventListener("click", confirm);
  $("release-button").addEventListener("click", release);
  window.addEventListener("hashchange", route);
  await route();
  document.body.dataset.ready = "true";
}

main().catch(showError);
