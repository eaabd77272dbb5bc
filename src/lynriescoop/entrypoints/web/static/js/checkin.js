// The door page (GET /checkin): a code field that a USB or phone scanner types into (each scan ends with Enter),
// the verdict shown large, and the showing's check-in count, live from checkin/{showing_id} (API.md §8, §11).

import {
  el,
  formatDay,
  formatTime,
  isoDay,
  loadConfig,
  logIn,
  logOut,
  messageFor,
  request,
  session,
  useFormats,
} from "./api.js";
import { followCheckIns } from "./live.js";

const $ = (id) => document.getElementById(id);

const VERDICTS = {
  already_checked_in: {
    verdict: "already",
    word: (p) => `Already in${p.checked_in_at ? ` at ${formatTime(p.checked_in_at)}` : ""}`,
    detail: "This ticket was scanned before: do not admit it again.",
  },
  ticket_revoked: { verdict: "refused", word: () => "Revoked" },
  wrong_showing: { verdict: "refused", word: () => "Wrong showing" },
  invalid_ticket: { verdict: "refused", word: () => "Invalid ticket" },
  checkin_closed: { verdict: "refused", word: () => "Check-in closed" },
};

const state = { config: null, showings: new Map(), stopFollowing: null, admitted: new Set() };

function isDoorStaff(user) {
  return user && (user.role === "staff" || user.role === "manager");
}

function render() {
  const user = session.user;
  $("account-name").textContent = user ? user.name : "";
  $("logout-button").hidden = !user;
  $("login-form").hidden = isDoorStaff(user);
  $("door").hidden = !isDoorStaff(user);
  if (user && !isDoorStaff(user)) {
    showAlert("This page is for door staff. Log in with a staff or manager account.");
    $("login-form").hidden = false;
  }
}

function showAlert(text) {
  $("alert").textContent = text;
  $("alert").hidden = !text;
}

function setVerdict(verdict, word, detail) {
  const box = $("verdict");
  box.dataset.verdict = verdict;
  $("verdict-word").textContent = word;
  $("verdict-detail").textContent = detail || "";
  // Restart the flash, so two scans with the same verdict are still seen as two.
  box.classList.remove("flash");
  void box.offsetWidth;
  box.classList.add("flash");
}

async function loadShowings() {
  // Today's showings (those that started too: people come late), then the next ones.
  const [today, upcoming] = await Promise.all([
    request("GET", `/showings?date=${isoDay()}&include_past=true&limit=100`, { auth: false }),
    request("GET", "/showings?limit=50", { auth: false }),
  ]);
  const select = $("door-showing");
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "", text: "Any showing" }));
  state.showings = new Map([...today.items, ...upcoming.items].map((s) => [s.id, s]));
  const sorted = [...state.showings.values()].sort((a, b) => a.start_time.localeCompare(b.start_time));
  for (const showing of sorted) {
    select.append(
      el("option", {
        value: showing.id,
        text: `${formatDay(showing.start_time)} ${formatTime(showing.start_time)} · ${showing.movie.title} · ${showing.room.name}`,
      }),
    );
  }
  if (chosen) select.value = chosen;
}

function countCheckIn(ticketId) {
  state.admitted.add(ticketId);
  $("checkin-count").textContent = String(state.admitted.size);
}

async function chooseShowing() {
  state.stopFollowing?.();
  state.stopFollowing = null;
  state.admitted = new Set();
  const showingId = $("door-showing").value;
  $("door-count").hidden = !showingId;
  $("checkin-count").textContent = "0";
  if (!showingId) return;
  let note = "since this page opened";
  // A manager can read the total so far (GET /admin/stats); door staff count from when they open the page.
  if (session.user?.role === "manager") {
    const showing = state.showings.get(showingId);
    try {
      const start = new Date(Date.parse(showing.start_time) - 1000).toISOString();
      const end = new Date(Date.parse(showing.start_time) + 1000).toISOString();
      const stats = await request(
        "GET",
        `/admin/stats?from=${encodeURIComponent(start)}&to=${encodeURIComponent(end)}`,
      );
      const row = stats.occupancy.find((r) => r.showing_id === showingId);
      if (row) {
        for (let i = 0; i < row.checked_in; i++) state.admitted.add(`earlier-${i}`);
        note = "";
      }
    } catch {
      // Fall back to counting from now.
    }
  }
  $("count-note").textContent = note ? `(${note})` : "";
  $("checkin-count").textContent = String(state.admitted.size);
  state.stopFollowing = followCheckIns(
    state.config,
    showingId,
    (message) => countCheckIn(message.ticket_id),
    (mode) => ($("door-count").dataset.live = mode),
  );
}

async function scan(event) {
  event.preventDefault();
  const input = $("code");
  const code = input.value.trim().replace(/\s+/g, "");
  input.value = "";
  input.focus();
  if (!code) return;
  const body = { code };
  if ($("door-showing").value) body.showing_id = $("door-showing").value;
  setVerdict("checking", "Checking…", "");
  try {
    const result = await request("POST", "/checkin", { body });
    const { ticket, showing } = result;
    setVerdict(
      "admitted",
      "Admitted",
      `Seat ${ticket.seat_label} · ${showing.movie_title} · ${showing.room_name} · ${formatTime(showing.start_time)}`,
    );
    if (ticket.showing_id === $("door-showing").value) countCheckIn(ticket.id);
  } catch (error) {
    const known = VERDICTS[error.code];
    if (known) setVerdict(known.verdict, known.word(error.problem), known.detail || messageFor(error));
    else setVerdict("refused", "Not checked in", messageFor(error));
    if (error.code === "not_authenticated") render();
  }
}

async function main() {
  state.config = await loadConfig();
  useFormats(state.config);
  render();
  window.addEventListener("session-changed", render);
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await logIn($("login-email").value.trim(), $("login-password").value);
      $("login-password").value = "";
      $("login-error").hidden = true;
      showAlert("");
      if (isDoorStaff(session.user)) await startDoor();
    } catch (error) {
      $("login-error").textContent = messageFor(error);
      $("login-error").hidden = false;
    }
  });
  $("logout-button").addEventListener("click", () => logOut());
  $("door-showing").addEventListener("change", () => chooseShowing().then(() => $("code").focus()));
  $("scan-form").addEventListener("submit", scan);
  if (isDoorStaff(session.user)) await startDoor();
  document.body.dataset.ready = "true";
}

async function startDoor() {
  render();
  await loadShowings();
  const wanted = new URLSearchParams(location.search).get("showing");
  if (wanted && state.showings.has(wanted)) $("door-showing").value = wanted;
  await chooseShowing();
  $("code").focus();
  document.title = `Door · ${formatDay(new Date().toISOString())} – LynrieScoop`;
}

main().catch((error) => showAlert(messageFor(error)));
