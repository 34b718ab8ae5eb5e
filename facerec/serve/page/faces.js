// The face API's page (faces.html): identify a dropped photo and draw what
// came back; add a face to a person (the face's crop with a margin is
// enrolled, so the one face chosen is the one added); remove a person.
// window.facesPage holds what a headless-browser test reads back.
(function () {
'use strict';
const $ = id => document.getElementById(id);
const page = window.facesPage = {names: [], identified: 0, enrolled: 0, errors: [], people: []};
window.addEventListener('error', e => page.errors.push(String(e.message)));
const keyField = $('api-key');
keyField.value = localStorage.getItem('facerec-api-key') || '';
keyField.addEventListener('change', () => { localStorage.setItem('facerec-api-key', keyField.value); loadPeople(); });

let photoBlob = null, photoImage = null, lastFaces = [], openRead = false;

function status(text, isError) {
  $('status').textContent = text;
  $('status').className = isError ? 'note error' : 'note';
  if (isError) page.errors.push(text);
}

async function call(method, path, body) {
  const headers = {};
  if (keyField.value) headers['x-api-key'] = keyField.value;
  const response = await fetch(path, {method, headers, body});
  let json = null;
  try { json = await response.json(); } catch (e) { /* A non-JSON answer is reported below. */ }
  if (!response.ok) {
    const message = json && json.error ? json.error.message : 'HTTP ' + response.status;
    throw new Error(method + ' ' + path + ': ' + message);
  }
  return json;
}

function draw() {
  const canvas = $('photo-canvas');
  canvas.width = photoImage.naturalWidth;
  canvas.height = photoImage.naturalHeight;
  const g = canvas.getContext('2d');
  g.drawImage(photoImage, 0, 0);
  const line = Math.max(2, Math.round(canvas.width / 300));
  g.font = Math.max(14, Math.round(canvas.width / 40)) + 'px system-ui, sans-serif';
  lastFaces.forEach((f, i) => {
    const [x, y, w, h] = f.box;
    const known = f.name !== 'unknown';
    g.strokeStyle = g.fillStyle = known ? '#2ca02c' : '#d62728';
    g.lineWidth = line;
    g.strokeRect(x, y, w, h);
    const label = (i + 1) + ' ' + f.name + (f.similarity !== null ? ' ' + f.similarity.toFixed(2) : '');
    g.fillText(label, x, Math.max(14, y - 4));
  });
}

function faceCrop(face) {
  // The face with a margin of half its size each side, so the detector finds
  // it again in the crop and no other face is larger there.
  const [x, y, w, h] = face.box;
  const left = Math.max(0, x - w / 2), top = Math.max(0, y - h / 2);
  const right = Math.min(photoImage.naturalWidth, x + 1.5 * w), bottom = Math.min(photoImage.naturalHeight, y + 1.5 * h);
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(right - left);
  canvas.height = Math.round(bottom - top);
  canvas.getContext('2d').drawImage(photoImage, left, top, right - left, bottom - top, 0, 0, canvas.width, canvas.height);
  return new Promise(resolve => canvas.toBlob(resolve, 'image/png'));
}

function listFaces() {
  $('faces').replaceChildren(...lastFaces.map((f, i) => {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.className = 'name' + (f.name === 'unknown' ? ' unknown' : '');
    name.textContent = f.name;
    const detail = document.createElement('span');
    detail.className = 'note';
    detail.textContent = f.best !== null ? ' (best match ' + f.best + ', similarity ' + f.similarity.toFixed(3) + ')' : ' (gallery empty)';
    const input = document.createElement('input');
    input.placeholder = 'person';
    input.className = 'enroll-name';
    const button = document.createElement('button');
    button.textContent = 'add this face';
    button.className = 'enroll';
    button.addEventListener('click', async () => {
      const who = input.value.trim();
      if (!who) { status('Type the person\'s name first.', true); return; }
      try {
        const form = new FormData();
        form.append('photo', await faceCrop(f), 'face.png');
        const answer = await call('POST', '/v1/people/' + encodeURIComponent(who) + '/photos', form);
        page.enrolled++;
        status('Added face ' + (i + 1) + ' to ' + answer.name + ' (photo ' + answer.photo_ids.join(', ') + ').');
        await loadPeople();
        await identify();
      } catch (e) { status(String(e.message), true); }
    });
    li.append('Face ' + (i + 1) + ': ', name, detail, document.createElement('br'), input, button);
    return li;
  }));
}

async function identify() {
  if (!photoBlob) return;
  const form = new FormData();
  form.append('photo', photoBlob, 'photo');
  form.append('far', $('far').value);
  status('Identifying...');
  const answer = await call('POST', '/v1/identify', form);
  lastFaces = answer.photos[0].faces;
  page.names = lastFaces.map(f => f.name);
  page.identified++;
  draw();
  listFaces();
  status(lastFaces.length + ' face(s); threshold ' + answer.threshold + ' at far ' + answer.far + ' against ' +
         answer.people + ' people (' + answer.search + ' search).');
}

async function show(file) {
  photoBlob = file;
  const url = URL.createObjectURL(file);
  photoImage = new Image();
  await new Promise((resolve, reject) => {
    photoImage.onload = resolve;
    photoImage.onerror = () => reject(new Error('the browser cannot show this file as an image'));
    photoImage.src = url;
  });
  try { await identify(); } catch (e) { status(String(e.message), true); }
}

async function loadPeople() {
  if (!keyField.value && !openRead) {
    // Without a key the server would answer 401 (unless it runs --open_read).
    $('people-note').textContent = 'Type the API key to see the people (a server started with --open_read shows them without one: ';
    const button = document.createElement('button');
    button.textContent = 'try without a key';
    button.addEventListener('click', () => { openRead = true; loadPeople(); });
    $('people-note').append(button, ').');
    return;
  }
  try {
    const answer = await call('GET', '/v1/people');
    page.people = answer.people.map(p => p.name);
    $('people').replaceChildren(...answer.people.map(p => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.textContent = 'remove';
      button.className = 'remove';
      button.dataset.name = p.name;
      button.addEventListener('click', async () => {
        if (!confirm('Remove ' + p.name + ' and their ' + p.photos + ' photo(s)?')) return;
        try {
          await call('DELETE', '/v1/people/' + encodeURIComponent(p.name));
          status('Removed ' + p.name + '.');
          await loadPeople();
          await identify();
        } catch (e) { status(String(e.message), true); }
      });
      li.append(p.name + ' (' + p.photos + ' photo' + (p.photos === 1 ? '' : 's') + ')', button);
      return li;
    }));
    $('people-note').textContent = answer.people.length ? '' : 'Nobody enrolled yet.';
  } catch (e) {
    $('people-note').textContent = String(e.message);
  }
}

$('photo-input').addEventListener('change', e => { if (e.target.files.length) show(e.target.files[0]); });
const drop = $('drop');
drop.addEventListener('dragover', e => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', e => {
  e.preventDefault();
  drop.classList.remove('over');
  if (e.dataTransfer.files.length) show(e.dataTransfer.files[0]);
});
loadPeople();
})();
