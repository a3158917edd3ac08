// The only script of 一窗通's pages. It is served from /static/app.js so that the Content
// Security Policy can forbid inline script; each part below wakes up only on the page that has
// its elements, and reads its data from data-* attributes instead of inline JSON.
(function () {
  'use strict';

  // Pages that wait for something (the rating pad between tickets, a citizen's queue ticket)
  // reload themselves every few seconds. A script instead of <meta http-equiv=refresh>: the
  // reload waits while someone is typing or choosing, so it never throws away their input.
  var reload = document.querySelector('[data-reload]');
  if (reload) {
    var every = Math.max(3, parseInt(reload.getAttribute('data-reload'), 10) || 15) * 1000;
    var tick = function () {
      var a = document.activeElement;
      var busy = a && a !== document.body && /^(INPUT|SELECT|TEXTAREA)$/.test(a.tagName);
      if (busy) setTimeout(tick, every); else location.reload();
    };
    setTimeout(tick, every);
  }

  // Kiosk: the large on-screen keypad types the ID number (no keyboard at a kiosk).
  document.querySelectorAll('[data-keypad-for]').forEach(function (pad) {
    var input = document.getElementById(pad.getAttribute('data-keypad-for'));
    if (!input) return;
    pad.addEventListener('click', function (e) {
      var key = e.target.getAttribute && e.target.getAttribute('data-key');
      if (!key) return;
      if (key === 'back') input.value = input.value.slice(0, -1);
      else if (key === 'clear') input.value = '';
      else if (input.value.length < 18) input.value += key;
    });
  });

  // Hall display: the clock in the header, in the hall's time zone, every 15 seconds.
  var clock = document.querySelector('[data-clock]');
  if (clock && window.Intl) {
    var parts = function () {
      var f = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric',
        month: 'numeric', day: 'numeric', weekday: 'long', hour: '2-digit', minute: '2-digit',
        hour12: false });
      var p = {};
      f.formatToParts(new Date()).forEach(function (x) { p[x.type] = x.value; });
      return p.year + '年' + p.month + '月' + p.day + '日 ' + p.weekday + ' ' + p.hour + ':' + p.minute;
    };
    setInterval(function () { clock.textContent = parts(); }, 15000);
  }

  // Print buttons (notices, guides, tickets).
  document.querySelectorAll('[data-print]').forEach(function (b) {
    b.addEventListener('click', function () { window.print(); });
  });

  // Desk intake: live check of the GB 11643 check digit and the GB 32100 check character.
  var idInput = document.getElementById('id-number'), idHint = document.getElementById('id-hint'),
      idType = document.getElementById('applicant-type');
  if (idInput && idHint && idType) {
    var idOk = function (s) {
      if (!/^\d{17}[\dX]$/.test(s)) return false;
      var w = [7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2], c = '10X98765432', sum = 0;
      for (var i = 0; i < 17; i++) sum += (+s[i]) * w[i];
      return c[sum % 11] === s[17];
    };
    var uscOk = function (s) {
      var a = '0123456789ABCDEFGHJKLMNPQRTUWXY', w = [1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28], sum = 0;
      if (s.length !== 18) return false;
      for (var i = 0; i < 17; i++) { var v = a.indexOf(s[i]); if (v < 0) return false; sum += v * w[i]; }
      return a[(31 - sum % 31) % 31] === s[17];
    };
    var check = function () {
      var s = idInput.value.trim().toUpperCase();
      if (!s) { idHint.textContent = ''; return; }
      var ok = idType.value === 'org' ? uscOk(s) : idOk(s);
      idHint.textContent = ok ? '✓ 号码校验通过' : (s.length < 18 ? '已输入 ' + s.length + ' 位，应为 18 位' : '✗ 校验位不正确，请核对');
      idHint.style.color = ok ? '#1a7f37' : '#c8102e';
    };
    idInput.addEventListener('input', check);
    idType.addEventListener('change', function () {
      idInput.name = idType.value === 'org' ? 'applicant_credit_code' : 'applicant_id_number'; check();
    });
  }

  // Desk intake: scans and photos of each material go to the file store as they are taken;
  // the form carries only their ids (file_N). The document camera (高拍仪) presents itself as
  // a webcam, so the browser's getUserMedia reaches it.
  // The supplement form on the case page (补正登记) takes scans the same way.
  var intake = document.getElementById('intake') || document.getElementById('supplement-form');
  if (intake) {
    var csrf = (intake.querySelector('input[name=csrf]') || {}).value || '';
    var upload = function (index, blob, name) {
      var status = document.getElementById('scan-status-' + index), hidden = document.getElementById('file-' + index);
      status.textContent = '上传中…';
      var fd = new FormData(); fd.append('file', blob, name);
      fetch('/api/v1/files', { method: 'POST', body: fd, headers: { 'X-CSRF-Token': csrf }, credentials: 'same-origin' })
        .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
        .then(function (r) {
          if (!r.ok) { status.textContent = '✗ ' + ((r.body.error || {}).message || '上传失败'); hidden.value = ''; return; }
          hidden.value = r.body.file_id;
          status.textContent = '';
          var a = document.createElement('a');
          a.href = '/files/' + r.body.file_id; a.target = '_blank'; a.textContent = '✓ 已留存 ' + r.body.name;
          status.appendChild(a);
        })
        .catch(function () { status.textContent = '✗ 上传失败，请重试'; hidden.value = ''; });
    };
    intake.querySelectorAll('input[data-scan-for]').forEach(function (input) {
      input.addEventListener('change', function () {
        if (input.files && input.files[0]) upload(input.getAttribute('data-scan-for'), input.files[0], input.files[0].name);
      });
    });
    var cam = document.getElementById('camera'), video = document.getElementById('camera-video'), camFor = null, stream = null;
    if (cam) {
      var closeCam = function () {
        if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
        stream = null; camFor = null; cam.hidden = true;
      };
      intake.querySelectorAll('button[data-camera-for]').forEach(function (b) {
        b.addEventListener('click', function () {
          if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { alert('此浏览器不能使用摄像头，请改用“扫描件”选择文件'); return; }
          camFor = b.getAttribute('data-camera-for');
          document.getElementById('camera-target').textContent = '第 ' + (+camFor + 1) + ' 项材料';
          navigator.mediaDevices.getUserMedia({ video: true }).then(function (s) {
            stream = s; video.srcObject = s; cam.hidden = false; document.getElementById('camera-shot').focus();
          }).catch(function () { alert('未能打开高拍仪或摄像头，请检查连接后重试，或改用“扫描件”'); });
        });
      });
      document.getElementById('camera-shot').addEventListener('click', function () {
        if (!stream || camFor === null) return;
        var c = document.createElement('canvas'), index = camFor;
        c.width = video.videoWidth || 640; c.height = video.videoHeight || 480;
        c.getContext('2d').drawImage(video, 0, 0, c.width, c.height);
        c.toBlob(function (blob) { if (blob) upload(index, blob, '第' + (+index + 1) + '项材料拍照.jpg'); }, 'image/jpeg', 0.9);
        closeCam();
      });
      document.getElementById('camera-close').addEventListener('click', closeCam);
    }

    // The ID-card reader posts what it read for this window; the button takes it.
    var readBtn = document.getElementById('read-id-card'), readStatus = document.getElementById('id-card-status');
    if (readBtn) readBtn.addEventListener('click', function () {
      readStatus.textContent = '读取中…';
      fetch('/api/v1/desk/id-card', { credentials: 'same-origin' })
        .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
        .then(function (r) {
          if (!r.ok) { readStatus.textContent = (r.body.error || {}).message || '未读到身份证'; return; }
          var type = document.getElementById('applicant-type');
          if (type && type.value !== 'person') { type.value = 'person'; type.dispatchEvent(new Event('change')); }
          document.getElementById('applicant-name').value = r.body.name;
          var idf = document.getElementById('id-number'); idf.value = r.body.id_number;
          idf.dispatchEvent(new Event('input'));
          readStatus.textContent = '✓ 已从身份证读取：' + r.body.name;
        })
        .catch(function () { readStatus.textContent = '读卡失败，请重试或手工输入'; });
    });
  }

  // Case page: a PDF material opens in its box when asked. Loading every PDF viewer with the
  // page kept the page busy and the approver's buttons unresponsive while they loaded.
  document.querySelectorAll('button[data-pdf-src]').forEach(function (b) {
    b.addEventListener('click', function () {
      var f = document.createElement('iframe');
      f.src = b.getAttribute('data-pdf-src'); f.title = b.getAttribute('data-pdf-title');
      b.parentNode.replaceChild(f, b);
    });
  });

  // Hall display: live calls over server-sent events, announced with Chinese speech synthesis.
  var calls = document.getElementById('calls');
  if (calls && document.body.hasAttribute('data-center')) {
    var voiceOn = false, voice = document.getElementById('voice');
    var centerCode = JSON.parse(document.body.getAttribute('data-center'));
    var ownWindows = JSON.parse(document.body.getAttribute('data-windows') || '[]');
    if (voice) voice.addEventListener('click', function () { voiceOn = true; voice.textContent = '语音播报已开启'; });
    var say = function (text) {
      if (!voiceOn || !window.speechSynthesis) return;
      var u = new SpeechSynthesisUtterance(text); u.lang = 'zh-CN'; u.rate = 0.9;
      window.speechSynthesis.speak(u);
    };
    var refreshCounts = function () {
      fetch('/api/v1/queue/status?center=' + encodeURIComponent(centerCode)).then(function (r) { return r.json(); }).then(function (s) {
        s.groups.forEach(function (g) {
          var row = document.querySelector('tr[data-group="' + g.code + '"] .n'); if (row) row.textContent = g.waiting;
        });
      }).catch(function () {});
    };
    var onCall = function (e) {
      var d = JSON.parse(e.data), win = d.window_name || d.window || '';
      if (d.window && ownWindows.indexOf(d.window) < 0) return;
      var li = document.createElement('li'), b = document.createElement('b'), span = document.createElement('span');
      b.textContent = d.number; span.textContent = win;
      li.appendChild(b); li.appendChild(document.createTextNode(' 请到 ')); li.appendChild(span);
      calls.insertBefore(li, calls.firstChild);
      while (calls.children.length > 8) calls.removeChild(calls.lastChild);
      say('请' + d.number.split('').join(' ') + '号到' + win + '办理');
      refreshCounts();
    };
    var es = new EventSource('/api/v1/queue/events');
    es.onopen = function () { document.body.setAttribute('data-live', '1'); };
    es.addEventListener('called', onCall);
    es.addEventListener('recalled', onCall);
    ['issued', 'finished', 'no_show', 'transferred', 'reactivated'].forEach(function (k) { es.addEventListener(k, refreshCounts); });
  }

  // A window's own display: the number being served there.
  var current = document.getElementById('current');
  if (current && current.hasAttribute('data-window')) {
    var code = JSON.parse(current.getAttribute('data-window'));
    var ws = new EventSource('/api/v1/queue/events');
    var onWin = function (e) { var d = JSON.parse(e.data); if (d.window === code) current.textContent = d.number; };
    ws.addEventListener('called', onWin); ws.addEventListener('recalled', onWin);
  }
})();
