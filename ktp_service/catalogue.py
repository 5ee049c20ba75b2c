"""The service's one text catalogue: Bahasa Indonesia (the default) and English side by side, so a missing
translation shows up in review. The console, the API's job messages and error answers all translate from
here, when they are shown: what is stored is a code and its parameters (:mod:`ktp_service.messages`).

Console templates call ``_("key")``; Python code calls :func:`translate`.
"""

from __future__ import annotations

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"

# key: (Bahasa Indonesia, English)
CATALOGUE: dict[str, tuple[str, str]] = {
    # Error leads by the error's code; the service's own (English) words follow as the detail.
    "err.contract_overlap": (
        "Masa berlaku kontrak bertumpang tindih dengan versi lain.",
        "The contract's dates overlap another version.",
    ),
    "err.period_not_closable": ("Bulan ini belum dapat ditutup.", "This month cannot be closed yet."),
    "err.period_closed": (
        "Bulan ini sudah ditutup; tidak ada yang dapat diubah.",
        "This month is closed; nothing in it can change.",
    ),
    "err.no_contract_in_force": (
        "Tidak ada kontrak yang berlaku pada tanggal itu.",
        "No contract version is in force on that day.",
    ),
    "err.import_rejected": (
        "Berkas ditolak seluruhnya; tidak ada baris yang disimpan.",
        "The file was refused whole; no row was saved.",
    ),
    "err.invalid_input": ("Isian tidak sah.", "The input is not valid."),
    "err.validation_error": ("Isian tidak sah.", "The input is not valid."),
    "err.event_conflict": (
        "Kejadian ini bertentangan dengan yang sudah dibukukan.",
        "This event conflicts with one already posted.",
    ),
    "err.already_corrected": (
        "Transaksi ini sudah pernah dikoreksi.",
        "This transaction was already corrected.",
    ),
    "err.job_state_conflict": (
        "Status pekerjaan cetak tidak mengizinkan tindakan ini.",
        "The print job's state does not allow this.",
    ),
    "err.conflict": ("Bertentangan dengan data saat ini.", "Conflicts with the current data."),
    "err.nik_already_registered": ("NIK ini sudah terdaftar.", "This NIK is already registered."),
    "err.stale_version": (
        "Data penduduk ini sudah diubah orang lain (sekarang versi {version}, Anda mengubah versi {edited}). "
        "Muat ulang, lalu ulangi koreksi Anda.",
        "This resident was changed by someone else (now version {version}, you edited version {edited}). "
        "Reload and apply your correction again.",
    ),
    "err.request_too_large": (
        "Isi permintaan terlalu besar; batasnya {limit} byte.",
        "The request body is too large; the limit is {limit} bytes.",
    ),
    "err.service_busy": (
        "Server sedang sibuk: basis data belum bisa menerima perubahan ini. Tidak ada yang tersimpan; "
        "kirim ulang dalam beberapa detik.",
        "The server is busy: the database could not take this change in time. Nothing was saved; "
        "send it again in a few seconds.",
    ),
    "err.forbidden": ("Anda tidak berwenang melakukan ini.", "You may not do this."),
    "err.role_not_allowed": (
        "Peran Anda ({role}) tidak boleh melakukan ini; yang boleh: {allowed}.",
        "Your role ({role}) may not do this; allowed: {allowed}.",
    ),
    "err.username_taken": ("Nama pengguna {username} sudah dipakai.", "The username {username} is taken."),
    "err.office_exists": (
        "Kantor untuk wilayah {office} sudah ada.",
        "An office for region {office} already exists.",
    ),
    "err.printer_name_taken": (
        "Kantor {office} sudah memiliki printer bernama {printer}.",
        "Office {office} already has a printer named {printer}.",
    ),
    # -- print-job refusals: whole messages, their parameters filled in --
    "err.print_job_not_found": (
        "Pekerjaan cetak {job} tidak ditemukan di kantor Anda.",
        "Print job {job} was not found at your office.",
    ),
    "err.printer_inactive": (
        "Printer {printer} dinonaktifkan di daftar printer; pilih printer lain.",
        "Printer {printer} is switched off in the registry; choose another printer.",
    ),
    "err.card_in_progress": (
        "Kartu untuk NIK ini sedang diproses (pekerjaan {job}, status: {state}).",
        "A card for this NIK is already in progress (job {job}, state: {state}).",
    ),
    "err.card_in_progress.lead": (
        "Kartu untuk NIK ini sedang diproses.",
        "A card for this NIK is already in progress.",
    ),
    "err.valid_card_exists": (
        "Penduduk ini sudah memiliki KTP yang berlaku ({serial}). Kartu kedua memerlukan alasan: hilang, "
        "rusak, perubahan data atau perpanjangan.",
        "This resident already holds a valid card ({serial}). A second card needs a reason: lost, damaged, "
        "data change or renewal.",
    ),
    "err.lifetime_card_not_renewable": (
        "Perpanjangan hanya untuk kartu yang masa berlakunya habis (WNA); KTP penduduk ini berlaku seumur "
        "hidup. Gunakan alasan hilang, rusak atau perubahan data.",
        "Renewal is for cards that expire (foreign residents); this resident's card is valid for life. Use "
        "lost, damaged or data change.",
    ),
    "err.idempotency_key_reused": (
        "Idempotency-Key ini sudah dipakai untuk permintaan yang berbeda.",
        "This Idempotency-Key was already used for a different request.",
    ),
    "err.own_request": (
        "Anda sendiri yang meminta kartu ini; supervisor lain yang harus menyetujuinya.",
        "You asked for this card yourself; another supervisor must approve it.",
    ),
    "err.already_reprinted": (
        "Pekerjaan {job} sudah pernah dicetak ulang.",
        "Job {job} was already reprinted.",
    ),
    "err.newer_request_exists": (
        "Sudah ada permintaan kartu yang lebih baru untuk NIK ini (pekerjaan {job}); kartu rusak ini tidak "
        "dicetak ulang.",
        "A newer card request for this NIK exists (job {job}); this spoiled card is not reprinted.",
    ),
    "err.job_not_pending": (
        "Pekerjaan {job} berstatus {state}; hanya pekerjaan yang menunggu giliran yang dapat diambil printer.",
        "Job {job} is {state}; only a waiting job can be taken by a printer.",
    ),
    "err.job_not_at_printer": (
        "Pekerjaan {job} berstatus {state}; tindakan ini hanya untuk kartu yang sedang di printer.",
        "Job {job} is {state}; this is only for a card at the printer.",
    ),
    "err.job_already_sent": (
        "Pekerjaan {job} sudah dikirim ke printer; kartu tidak dikirim dua kali.",
        "Job {job} was already sent to the printer; a card is never sent twice.",
    ),
    "err.job_not_held": (
        "Pekerjaan {job} berstatus {state}; hanya pekerjaan yang menunggu persetujuan dapat disetujui atau "
        "ditolak.",
        "Job {job} is {state}; only a job awaiting approval can be approved or refused.",
    ),
    "err.job_not_cancelable": (
        "Pekerjaan {job} berstatus {state} dan tidak dapat dibatalkan lagi.",
        "Job {job} is {state} and can no longer be canceled.",
    ),
    "err.job_not_awaiting_confirmation": (
        "Pekerjaan {job} berstatus {state}; hanya pekerjaan yang perlu konfirmasi dapat dicatat hasilnya.",
        "Job {job} is {state}; only a job that needs confirmation can have its outcome recorded.",
    ),
    "err.job_not_completable": (
        "Pekerjaan {job} berstatus {state}; kartunya tidak dapat dicatat sebagai tercetak sekarang.",
        "Job {job} is {state}; its card cannot be recorded as printed now.",
    ),
    "err.job_not_reprintable": (
        "Pekerjaan {job} berstatus {state}; hanya kartu yang rusak saat dicetak yang dapat dicetak ulang.",
        "Job {job} is {state}; only a card spoiled while printing can be reprinted.",
    ),
    # -- what a print job tells a person (stored as msg code + parameters, translated when shown) --
    "msg.param.no_reason": ("tanpa keterangan", "no reason given"),
    "msg.legacy_text": ("{text}", "{text}"),
    "msg.awaiting_approval": ("Menunggu persetujuan supervisor.", "Waiting for a supervisor's approval."),
    "msg.refused_by_supervisor": (
        "Ditolak supervisor. Alasan: {note}",
        "Refused by the supervisor. Reason: {note}",
    ),
    "msg.canceled_by_clerk": ("Dibatalkan.", "Canceled."),
    "msg.cancel_requested": ("Pembatalan diminta ke printer.", "Cancelling was asked of the printer."),
    "msg.canceled_at_printer": ("Dibatalkan di printer.", "Canceled at the printer."),
    "msg.card_printed": ("Kartu selesai dicetak.", "The card is printed."),
    "msg.spoiled_by_confirmation": (
        "Dinyatakan rusak oleh supervisor.",
        "Declared spoiled by the supervisor.",
    ),
    "msg.worker_stopped_while_sending": (
        "Pekerja cetak berhenti saat mengirim kartu ke printer. Periksa hasil cetak printer, lalu supervisor "
        "mencatat: tercetak atau rusak.",
        "The print worker stopped while sending the card to the printer. Check what the printer produced; "
        "a supervisor then records: printed or spoiled.",
    ),
    "msg.card_cannot_be_made": (
        "Kartu tidak dapat dibuat: {detail}",
        "The card cannot be made: {detail}",
    ),
    "msg.printer_rejected_document": (
        "Printer {printer} menolak dokumen kartu ({detail}).",
        "Printer {printer} refused the card document ({detail}).",
    ),
    "msg.submission_uncertain": (
        "Tidak pasti apakah printer {printer} menerima kartu. Periksa printer, lalu supervisor mencatat: "
        "tercetak atau rusak.",
        "It is not certain that printer {printer} received the card. Check the printer; a supervisor then "
        "records: printed or spoiled.",
    ),
    "msg.printer_not_ready": (
        "Printer {printer} belum siap ({reasons}); kartu dicetak otomatis begitu printer siap.",
        "Printer {printer} is not ready ({reasons}); the card prints by itself once the printer is ready.",
    ),
    "msg.printer_unreachable": (
        "Printer {printer} tidak terhubung; ditanyakan lagi otomatis.",
        "Printer {printer} cannot be reached; it is asked again by itself.",
    ),
    "msg.outcome_unknown": (
        "Printer {printer} tidak dapat memberi tahu hasil cetak. Supervisor mencatat: tercetak atau rusak.",
        "Printer {printer} cannot tell how the card came out. A supervisor records: printed or spoiled.",
    ),
    "msg.spoiled_by_printer": (
        "Kartu rusak saat dicetak di printer {printer} ({reasons}); kartu blanko terpakai. Minta cetak ulang "
        "setelah printer siap.",
        "The card was spoiled while printing on printer {printer} ({reasons}); a blank card was used. Ask "
        "for a reprint once the printer is ready.",
    ),
    # -- what to do about a printer condition (printer-state-reasons keywords) --
    "advice.media-jam": (
        "Kartu macet: buka penutup printer, keluarkan kartu yang macet, lalu tutup kembali.",
        "Card jammed: open the printer's cover, take out the jammed card, then close it.",
    ),
    "advice.media-empty": (
        "Kartu blanko habis: isi feeder dengan kartu blanko.",
        "Out of blank cards: fill the feeder with blank cards.",
    ),
    "advice.media-needed": (
        "Kartu blanko habis: isi feeder dengan kartu blanko.",
        "Out of blank cards: fill the feeder with blank cards.",
    ),
    "advice.media-low": (
        "Kartu blanko hampir habis: siapkan kartu blanko.",
        "Blank cards are running low: have more ready.",
    ),
    "advice.marker-supply-empty": (
        "Pita (ribbon) habis: ganti pita printer.",
        "Ribbon out: replace the ribbon.",
    ),
    "advice.marker-supply-low": (
        "Pita hampir habis: siapkan pita pengganti.",
        "Ribbon low: have a new ribbon ready.",
    ),
    "advice.cover-open": (
        "Penutup printer terbuka: tutup penutupnya.",
        "The printer's cover is open: close it.",
    ),
    "advice.output-area-full": (
        "Wadah kartu hasil cetak penuh: kosongkan wadahnya.",
        "The output tray is full: empty it.",
    ),
    "advice.offline": (
        "Printer tidak terhubung: periksa daya, kabel atau jaringan printer.",
        "The printer cannot be reached: check its power, cable or network.",
    ),
    "advice.paused": (
        "Printer dijeda: lanjutkan dari panel printer atau CUPS.",
        "The printer is paused: resume it from its panel or from CUPS.",
    ),
    # -- layout and navigation --
    "app.title": ("Konsol KTP", "KTP console"),
    "app.subtitle": ("Dinas Kependudukan dan Pencatatan Sipil", "Civil registry office"),
    "nav.counter": ("Loket", "Counter"),
    "nav.register": ("Daftarkan penduduk", "Register a resident"),
    "nav.queue": ("Antrian cetak", "Print queue"),
    "nav.stock": ("Stok blanko", "Blank cards"),
    "nav.printers": ("Printer", "Printers"),
    "nav.approvals": ("Persetujuan", "Approvals"),
    "nav.offices": ("Kantor", "Offices"),
    "nav.users": ("Pengguna", "Users"),
    "nav.indicators": ("Indikator", "Indicators"),
    "nav.finance": ("Keuangan", "Finance"),
    "nav.partner": ("Mitra", "Partner"),
    "nav.skip": ("Langsung ke isi halaman", "Skip to content"),
    "lang.switch": ("English", "Bahasa Indonesia"),
    "auth.logout": ("Keluar", "Log out"),
    "auth.login": ("Masuk", "Log in"),
    "auth.username": ("Nama pengguna", "Username"),
    "auth.password": ("Kata sandi", "Password"),
    "auth.title": ("Masuk ke Konsol KTP", "Log in to the KTP console"),
    "auth.intro": (
        "Gunakan akun yang diberikan administrator Dukcapil.",
        "Use the account your civil registry administrator gave you.",
    ),
    "auth.wrong": ("Nama pengguna atau kata sandi salah.", "Wrong username or password."),
    "auth.locked": (
        "Terlalu banyak percobaan gagal. Coba lagi nanti atau hubungi administrator.",
        "Too many failed attempts. Try again later or ask an administrator.",
    ),
    "auth.expired": ("Sesi Anda berakhir; silakan masuk lagi.", "Your session ended; please log in again."),
    "auth.logged_out": ("Anda sudah keluar.", "You are logged out."),
    "role.admin": ("Administrator", "Administrator"),
    "role.clerk": ("Petugas loket", "Counter clerk"),
    "role.supervisor": ("Supervisor", "Supervisor"),
    "role.partner_auditor": ("Auditor mitra", "Partner auditor"),
    "role.finance": ("Keuangan", "Finance"),
    # -- common words --
    "common.save": ("Simpan", "Save"),
    "common.cancel": ("Batal", "Cancel"),
    "common.search": ("Cari", "Search"),
    "common.back": ("Kembali", "Back"),
    "common.yes": ("Ya", "Yes"),
    "common.no": ("Tidak", "No"),
    "common.none": ("Tidak ada.", "None."),
    "common.office": ("Kantor", "Office"),
    "common.all_offices": ("Semua kantor", "All offices"),
    "common.date": ("Tanggal", "Date"),
    "common.time": ("Waktu", "Time"),
    "common.note": ("Catatan", "Note"),
    "common.total": ("Jumlah", "Total"),
    "common.state": ("Status", "State"),
    "common.action": ("Tindakan", "Action"),
    "common.name": ("Nama", "Name"),
    "common.optional": ("tidak wajib", "optional"),
    "common.required": ("wajib", "required"),
    "common.errors_below": (
        "Periksa isian yang ditandai di bawah.",
        "Check the fields marked below.",
    ),
    "common.warning": ("Perhatian", "Warning"),
    "common.show": ("Tampilkan", "Show"),
    "common.from": ("Dari", "From"),
    "common.to": ("Sampai", "To"),
    "error.title": ("Tidak dapat dilanjutkan", "Cannot continue"),
    "error.forbidden": (
        "Peran atau kantor Anda tidak boleh membuka halaman ini.",
        "Your role or office may not open this page.",
    ),
    "error.not_found": ("Data tidak ditemukan.", "Not found."),
    "error.invalid_address": (
        "Alamat halaman tidak sah (misalnya bulan atau nomor yang salah tulis).",
        "The page address is not valid (a mistyped month or number, for example).",
    ),
    "error.csrf": (
        "Formulir ini sudah kedaluwarsa (atau dikirim dari tempat lain). Muat ulang halaman dan coba lagi.",
        "This form has expired (or was sent from elsewhere). Reload the page and try again.",
    ),
    "error.internal": (
        "Terjadi kesalahan di server; tidak ada yang disimpan.",
        "Something went wrong on the server; nothing was saved.",
    ),
    "error.go_home": ("Ke halaman utama", "Go to the start page"),
    # -- residents --
    "res.find_title": ("Cari penduduk", "Find a resident"),
    "res.find_hint": (
        "Ketik NIK (atau awalannya) atau nama.",
        "Type a NIK (or its first digits) or a name.",
    ),
    "res.query": ("NIK atau nama", "NIK or name"),
    "res.found": ("{count} penduduk ditemukan", "{count} residents found"),
    "res.none_found": (
        "Tidak ada penduduk yang cocok. Periksa ejaan, atau daftarkan penduduk baru.",
        "No resident matches. Check the spelling, or register a new resident.",
    ),
    "res.query_short": (
        "Ketik paling sedikit 2 huruf nama atau 1 angka NIK.",
        "Type at least 2 letters or 1 digit.",
    ),
    "res.new_title": ("Daftarkan penduduk", "Register a resident"),
    "res.edit_title": ("Perbaiki data penduduk", "Correct a resident"),
    "res.created": (
        "Penduduk terdaftar. Unggah foto dan tanda tangan.",
        "Resident registered. Upload the photo and signature.",
    ),
    "res.updated": ("Perubahan disimpan (versi {version}).", "Changes saved (version {version})."),
    "res.unchanged": ("Tidak ada yang berubah.", "Nothing changed."),
    "res.section_identity": ("Identitas", "Identity"),
    "res.section_address": ("Alamat", "Address"),
    "res.section_other": ("Data lain", "Other details"),
    "res.version": ("Versi", "Version"),
    "res.updated_at": ("Terakhir diubah", "Last changed"),
    "res.photo": ("Pas foto", "Photo"),
    "res.signature": ("Tanda tangan", "Signature"),
    "res.upload": ("Unggah", "Upload"),
    "res.photo_hint": (
        "JPEG atau PNG, potret 3:4, latar merah (tahun lahir ganjil) atau biru (genap).",
        "JPEG or PNG, 3:4 portrait, red backdrop (odd birth year) or blue (even).",
    ),
    "res.signature_hint": (
        "JPEG atau PNG; latar transparan atau putih.",
        "JPEG or PNG; transparent or white background.",
    ),
    "res.image_saved": ("{what} tersimpan.", "{what} saved."),
    "res.missing_photo": ("Belum ada foto.", "No photo yet."),
    "res.missing_signature": ("Belum ada tanda tangan.", "No signature yet."),
    "res.preview": ("Pratinjau kartu", "Card preview"),
    "res.preview_hint": (
        "Kartu seperti akan dicetak hari ini, bertanda CONTOH.",
        "The card as it would print today, marked CONTOH (specimen).",
    ),
    "res.preview_missing": (
        "Pratinjau muncul setelah foto dan tanda tangan diunggah.",
        "The preview appears once the photo and signature are uploaded.",
    ),
    "res.edit": ("Perbaiki data", "Correct data"),
    "res.valid_card": ("Kartu berlaku: {serial}", "Valid card: {serial}"),
    "res.no_card": ("Belum ada kartu yang berlaku.", "No valid card yet."),
    "res.history": ("Riwayat perubahan", "Change history"),
    "res.changed_by": ("Oleh", "By"),
    "res.changed_fields": ("Isian yang berubah", "Fields changed"),
    "res.photo_crop": ("Potongan foto seperti di kartu (3:4)", "The photo cropped as on the card (3:4)"),
    "res.jobs": ("Riwayat cetak", "Print history"),
    "res.stale": (
        "Data ini baru saja diubah orang lain. Muat ulang dan ulangi perbaikan Anda.",
        "Someone else changed this record just now. Reload and apply your correction again.",
    ),
    # resident fields
    "f.nik": ("NIK", "NIK"),
    "f.nama": ("Nama lengkap", "Full name"),
    "f.tempat_lahir": ("Tempat lahir", "Place of birth"),
    "f.tanggal_lahir": ("Tanggal lahir", "Date of birth"),
    "f.jenis_kelamin": ("Jenis kelamin", "Sex"),
    "f.golongan_darah": ("Golongan darah", "Blood group"),
    "f.alamat": ("Alamat (jalan, nomor)", "Address (street, number)"),
    "f.rt": ("RT", "RT"),
    "f.rw": ("RW", "RW"),
    "f.kode_kecamatan": ("Kecamatan", "Kecamatan"),
    "f.kode_desa": ("Kelurahan/desa", "Kelurahan/desa"),
    "f.agama": ("Agama", "Religion"),
    "f.status_perkawinan": ("Status perkawinan", "Marital status"),
    "f.pekerjaan": ("Pekerjaan", "Occupation"),
    "f.kewarganegaraan": ("Kewarganegaraan", "Citizenship"),
    "f.berlaku_hingga": ("Berlaku hingga (WNA saja)", "Valid until (WNA only)"),
    "f.foto": ("Pas foto", "Photo"),
    "f.tanda_tangan": ("Tanda tangan", "Signature"),
    "f.file": ("Berkas", "File"),
    "hint.nik": ("16 angka, tanpa spasi atau titik.", "16 digits, no spaces or dots."),
    "hint.date": ("dd-mm-yyyy, mis. 17-08-1985", "dd-mm-yyyy, e.g. 17-08-1985"),
    "hint.rt": ("mis. 003", "e.g. 003"),
    "choose": ("— pilih —", "— choose —"),
    "seumur_hidup": ("SEUMUR HIDUP", "LIFETIME"),
    # validation messages (by rule)
    "v.missing": ("Wajib diisi.", "Required."),
    "v.nik_format": ("NIK harus tepat 16 angka (0-9).", "The NIK must be exactly 16 digits (0-9)."),
    "v.nik_province": ("Kode provinsi di NIK tidak pernah ada.", "The NIK's province code never existed."),
    "v.nik_region": (
        "Kode kabupaten dan kecamatan di NIK tidak boleh 00.",
        "Regency and kecamatan codes in the NIK cannot be 00.",
    ),
    "v.nik_birth_date": (
        "Angka ke-7 s.d. 12 NIK bukan tanggal yang sah (DDMMYY, tanggal +40 untuk perempuan).",
        "Digits 7-12 of the NIK are not a real date (DDMMYY, +40 on the day for women).",
    ),
    "v.nik_birth_date_mismatch": (
        "Tanggal lahir di NIK tidak sama dengan tanggal lahir yang diisi.",
        "The birth date in the NIK differs from the date of birth given.",
    ),
    "v.nik_sex_mismatch": (
        "Jenis kelamin tidak cocok dengan NIK (perempuan: tanggal di NIK ditambah 40).",
        "The sex does not match the NIK (women: 40 added to the day).",
    ),
    "v.nik_serial": (
        "Nomor urut NIK (4 angka terakhir) tidak boleh 0000.",
        "The NIK serial (last 4 digits) cannot be 0000.",
    ),
    "v.nik_taken": (
        "NIK ini sudah terdaftar. Cari penduduknya lalu perbaiki datanya.",
        "This NIK is already registered. Find the resident and correct the record.",
    ),
    "v.date": (
        "Tanggal tidak sah; tulis dd-mm-yyyy, mis. 17-08-1985.",
        "Not a valid date; write dd-mm-yyyy, e.g. 17-08-1985.",
    ),
    "v.date_range": (
        "Tanggal harus antara tahun 1900 dan hari ini.",
        "The date must be between 1900 and today.",
    ),
    "v.name_chars": (
        "Hanya huruf, spasi, apostrof, tanda hubung, titik dan koma.",
        "Letters, spaces, apostrophes, hyphens, dots and commas only.",
    ),
    "v.too_long": ("Terlalu panjang (paling banyak {max} karakter).", "Too long (at most {max} characters)."),
    "v.rtrw": ("Isi angka 001 sampai 999.", "A number from 001 to 999."),
    "v.choose": ("Pilih salah satu dari daftar.", "Choose one from the list."),
    "v.pekerjaan": (
        "Tidak ada di daftar pekerjaan Dukcapil (pakai LAINNYA bila tidak ada yang cocok).",
        "Not in the civil-registry occupation list (use LAINNYA if none fits).",
    ),
    "v.kecamatan_unknown": (
        "Kecamatan tidak ada di daftar Kemendagri.",
        "Not a kecamatan in the Kemendagri list.",
    ),
    "v.desa_not_in_kecamatan": (
        "Kelurahan/desa ini tidak termasuk kecamatan yang dipilih.",
        "This kelurahan/desa is not in the chosen kecamatan.",
    ),
    "v.desa_unknown": (
        "Kelurahan/desa tidak ada di daftar Kemendagri.",
        "Not a kelurahan/desa in the Kemendagri list.",
    ),
    "v.wni_lifetime": (
        "KTP WNI berlaku seumur hidup; kosongkan isian ini.",
        "A WNI card is valid for life; leave this empty.",
    ),
    "v.wna_expiry": ("KTP WNA perlu tanggal berlaku.", "A WNA card needs an expiry date."),
    "v.out_of_scope": (
        "Kecamatan ini tidak dilayani kantor Anda.",
        "Your office does not serve this kecamatan.",
    ),
    "v.image_format": ("Harus gambar JPEG atau PNG.", "Must be a JPEG or PNG image."),
    "v.image_too_large": ("Berkas terlalu besar.", "The file is too large."),
    "v.image_too_small": ("Gambar terlalu kecil untuk dicetak.", "The image is too small to print."),
    "v.image_empty": ("Pilih berkas gambar dulu.", "Choose an image file first."),
    "v.photo_missing": (
        "Penduduk belum punya foto; unggah dulu.",
        "The resident has no photo yet; upload it first.",
    ),
    "v.signature_missing": (
        "Penduduk belum punya tanda tangan; unggah dulu.",
        "The resident has no signature yet; upload it first.",
    ),
    "v.does_not_fit": ("Isian terlalu panjang untuk kartu.", "Too long to fit on the card."),
    "v.number": ("Isi dengan angka.", "Enter a number."),
    "v.password_short": ("Kata sandi paling sedikit 10 karakter.", "At least 10 characters."),
    "v.username": (
        "3-64 huruf kecil, angka, titik, tanda hubung atau garis bawah.",
        "3-64 lower-case letters, digits, dots, dashes or underscores.",
    ),
    # -- printing --
    "print.title": ("Cetak KTP", "Print the KTP"),
    "print.printer": ("Printer", "Printer"),
    "print.reason": ("Alasan", "Reason"),
    "print.submit": ("Cetak kartu", "Print card"),
    "print.no_printer": (
        "Kantor Anda belum punya printer aktif. Hubungi administrator.",
        "Your office has no active printer. Ask an administrator.",
    ),
    "print.needs_approval": (
        "Alasan hilang, rusak dan perubahan data perlu persetujuan supervisor.",
        "Lost, damaged and data-change cards need a supervisor's approval.",
    ),
    "print.has_card": (
        "Penduduk ini sudah memegang kartu berlaku; pilih alasan cetak kartu kedua.",
        "This resident already holds a valid card; choose the reason for a second card.",
    ),
    "print.only_ready": ("Pilih printer yang siap.", "Choose a printer that is ready."),
    "reason.baru": ("Baru", "New"),
    "reason.hilang": ("Hilang", "Lost"),
    "reason.rusak": ("Rusak", "Damaged"),
    "reason.perubahan_data": ("Perubahan data", "Data change"),
    "reason.perpanjangan": ("Perpanjangan", "Renewal"),
    "job.title": ("Pekerjaan cetak", "Print job"),
    "job.serial": ("Nomor seri kartu", "Card serial"),
    "job.clerk": ("Petugas", "Clerk"),
    "job.created": ("Diminta", "Requested"),
    "job.completed": ("Selesai", "Completed"),
    "job.submitted": ("Dikirim ke printer", "Sent to the printer"),
    "job.attempts": ("Percobaan", "Attempts"),
    "job.following": ("Halaman ini diperbarui otomatis.", "This page updates by itself."),
    "job.advice": ("Yang perlu dilakukan", "What to do"),
    "job.reprint": ("Minta cetak ulang", "Ask for a reprint"),
    "job.reprint_hint": (
        "Kartu ini rusak karena gangguan printer (blanko terpakai, tidak ditagihkan). Atasi gangguannya, lalu minta cetak ulang.",
        "This card was spoiled by a printer fault (the blank was used, it is not billed). Clear the fault, then ask for a reprint.",
    ),
    "job.reprint_tag": ("cetak ulang", "reprint"),
    "job.reprint_of": ("Cetak ulang dari", "Reprint of"),
    "job.reprinted_as": ("Sudah dicetak ulang sebagai", "Reprinted as"),
    "job.cancel": ("Batalkan pekerjaan", "Cancel the job"),
    "job.canceled": ("Pekerjaan dibatalkan.", "Job canceled."),
    "job.created_flash": ("Kartu dikirim ke antrian printer.", "The card is in the printer queue."),
    "job.held_flash": (
        "Permintaan menunggu persetujuan supervisor.",
        "The request waits for a supervisor's approval.",
    ),
    "job.reprint_flash": ("Cetak ulang dikirim ke antrian.", "The reprint is in the queue."),
    "job.resident": ("Penduduk", "Resident"),
    "job.done": (
        "Kartu selesai dicetak. Serahkan kepada pemiliknya.",
        "The card is printed. Hand it to its holder.",
    ),
    "state.pending": ("Menunggu giliran", "Waiting"),
    "state.pending-held": ("Menunggu persetujuan", "Awaiting approval"),
    "state.processing": ("Sedang dicetak", "Printing"),
    "state.processing-stopped": ("Tertahan: printer berhenti", "Held: printer stopped"),
    "state.needs-confirmation": ("Perlu konfirmasi", "Needs confirmation"),
    "state.canceled": ("Dibatalkan", "Canceled"),
    "state.aborted": ("Gagal", "Failed"),
    "state.aborted-spoiled": ("Gagal: kartu rusak", "Failed: card spoiled"),
    "state.completed": ("Selesai", "Completed"),
    "queue.title": ("Antrian cetak", "Print queue"),
    "queue.filter": ("Tampilkan status", "Show state"),
    "queue.all": ("Semua", "All"),
    "queue.empty": ("Tidak ada pekerjaan cetak.", "No print jobs."),
    # printers
    "printer.title": ("Printer", "Printers"),
    "printer.state": ("Keadaan", "State"),
    "printer.supplies": ("Persediaan", "Supplies"),
    "printer.counter": ("Penghitung kartu", "Card counter"),
    "printer.checked": ("Dicek", "Checked"),
    "printer.counter_enter": ("Catat angka penghitung dari panel", "Record the counter from the panel"),
    "printer.counter_saved": ("Angka penghitung {value} dicatat.", "Counter reading {value} recorded."),
    "printer.refresh": ("Cek sekarang", "Check now"),
    "printer.simulator": ("Simulator (pelatihan)", "Simulator (training)"),
    "printer.sim_hint": (
        "Untuk latihan: timbulkan atau hilangkan gangguan pada printer simulasi.",
        "For training: raise or clear faults on a simulated printer.",
    ),
    "printer.sim_set": ("Timbulkan", "Raise"),
    "printer.sim_clear": ("Hilangkan", "Clear"),
    "printer.sim_clear_all": ("Hilangkan semua gangguan", "Clear all faults"),
    "printer.sim_done": ("Simulator diperbarui: {state}.", "Simulator updated: {state}."),
    "printer.add": ("Tambah printer", "Add a printer"),
    "printer.added": ("Printer {name} ditambahkan.", "Printer {name} added."),
    "printer.adapter": ("Jenis sambungan", "Connection (adapter)"),
    "printer.uri": ("Alamat (URI)", "Address (URI)"),
    "printer.uri_hint": (
        "ipp://HOST:631/printers/ANTRIAN untuk CUPS; kosongkan untuk simulator atau spool.",
        "ipp://HOST:631/printers/QUEUE for CUPS; empty for a simulator or spool.",
    ),
    "printer.format": ("Format dokumen", "Document format"),
    "printer.none": ("Belum ada printer.", "No printers yet."),
    "printer.inactive": ("nonaktif", "inactive"),
    "pstate.ready": ("Siap", "Ready"),
    "pstate.printing": ("Sedang mencetak", "Printing"),
    "pstate.offline": ("Offline", "Offline"),
    "pstate.unknown": ("Belum diketahui", "Not checked yet"),
    "pstate.stopped": ("Berhenti", "Stopped"),
    "pstate.media-jam": ("Macet", "Jammed"),
    "pstate.marker-supply-empty": ("Pita habis", "Ribbon out"),
    "pstate.marker-supply-low": ("Pita hampir habis", "Ribbon low"),
    "pstate.media-empty": ("Blanko habis", "Out of cards"),
    "pstate.media-needed": ("Blanko habis", "Out of cards"),
    "pstate.media-low": ("Blanko hampir habis", "Cards low"),
    "pstate.cover-open": ("Penutup terbuka", "Cover open"),
    "pstate.output-area-full": ("Wadah hasil penuh", "Output full"),
    "pstate.paused": ("Dijeda", "Paused"),
    "fault.jam": ("Kartu macet", "Card jam"),
    "fault.ribbon-out": ("Pita habis", "Ribbon out"),
    "fault.ribbon-low": ("Pita hampir habis", "Ribbon low"),
    "fault.feeder-empty": ("Feeder kosong", "Feeder empty"),
    "fault.cover-open": ("Penutup terbuka", "Cover open"),
    "fault.output-full": ("Wadah hasil penuh", "Output full"),
    "fault.offline": ("Offline", "Offline"),
    # stock
    "stock.title": ("Stok kartu blanko", "Blank-card stock"),
    "stock.balance": ("Sisa blanko", "Blank cards left"),
    "stock.low": (
        "Stok menipis (batas {threshold}). Minta kiriman blanko sekarang.",
        "Stock is low (threshold {threshold}). Order blank cards now.",
    ),
    "stock.receive": ("Catat penerimaan blanko", "Record cards received"),
    "stock.quantity": ("Jumlah kartu", "Number of cards"),
    "stock.received": ("{quantity} blanko dicatat.", "{quantity} cards recorded."),
    "stock.movements": ("Mutasi terakhir", "Latest movements"),
    "stock.kind.receipt": ("Diterima", "Received"),
    "stock.kind.printed": ("Tercetak", "Printed"),
    "stock.kind.spoiled": ("Rusak", "Spoiled"),
    "stock.kind.adjustment": ("Penyesuaian", "Adjustment"),
    # supervisor
    "sup.title": ("Persetujuan supervisor", "Supervisor approvals"),
    "sup.held": ("Kartu kedua menunggu persetujuan", "Second cards awaiting approval"),
    "sup.confirm": ("Pekerjaan yang perlu konfirmasi", "Jobs needing confirmation"),
    "sup.confirm_hint": (
        "Printer tidak dapat memastikan hasilnya. Periksa printer dan wadah hasil, lalu catat apa yang terjadi.",
        "The printer could not tell the outcome. Check the printer and its output tray, then record what happened.",
    ),
    "sup.approve": ("Setujui", "Approve"),
    "sup.refuse": ("Tolak", "Refuse"),
    "sup.printed": ("Tercetak", "Printed"),
    "sup.spoiled": ("Rusak", "Spoiled"),
    "sup.approved": ("Disetujui; kartu masuk antrian.", "Approved; the card is queued."),
    "sup.refused": ("Permintaan ditolak.", "Request refused."),
    "sup.resolved": ("Hasil dicatat.", "Outcome recorded."),
    "sup.nothing": ("Tidak ada yang menunggu.", "Nothing waiting."),
    # admin
    "office.title": ("Kantor pelayanan", "Service offices"),
    "office.code": ("Kode wilayah", "Region code"),
    "office.kind": ("Jenis", "Kind"),
    "office.add": ("Tambah kantor", "Add an office"),
    "office.added": ("Kantor {code} ditambahkan.", "Office {code} added."),
    "office.name_hint": ("Kosongkan untuk nama baku.", "Leave empty for the standard name."),
    "user.title": ("Pengguna dan peran", "Users and roles"),
    "user.add": ("Tambah pengguna", "Add a user"),
    "user.added": ("Pengguna {username} dibuat.", "User {username} created."),
    "user.role": ("Peran", "Role"),
    "user.full_name": ("Nama lengkap", "Full name"),
    "user.office_hint": ("Wajib untuk petugas dan supervisor.", "Required for clerks and supervisors."),
    "user.active": ("Aktif", "Active"),
    # indicators
    "ind.title": ("Indikator layanan KTP", "KTP service indicators"),
    "ind.period": ("Periode", "Period"),
    "ind.cards_per_day": ("Kartu tercetak per hari", "Cards printed per day"),
    "ind.cards": ("Kartu tercetak", "Cards printed"),
    "ind.turnaround": (
        "Waktu tunggu permintaan sampai kartu tercetak",
        "Turnaround from request to printed card",
    ),
    "ind.median": ("Median", "Median"),
    "ind.p90": ("90% selesai dalam", "90% done within"),
    "ind.spoilage": ("Tingkat kartu rusak", "Spoilage rate"),
    "ind.spoiled": ("Rusak", "Spoiled"),
    "ind.availability": ("Ketersediaan printer (saat ini)", "Printer availability (now)"),
    "ind.availability_hint": (
        "Printer aktif yang siap mencetak pada pengecekan terakhir.",
        "Active printers ready to print at their last check.",
    ),
    "ind.fault_jobs": ("Pekerjaan tertunda karena printer", "Jobs delayed by a printer"),
    "ind.ready": ("Siap", "Ready"),
    "ind.minutes": ("{n} menit", "{n} min"),
    "ind.under_minute": ("< 1 menit", "< 1 min"),
    "ind.hours": ("{n} jam", "{n} h"),
    "ind.no_data": ("Belum ada data pada periode ini.", "No data in this period."),
    "ind.days": ("{n} hari terakhir", "last {n} days"),
    # home
    "home.welcome": ("Selamat bekerja, {name}.", "Welcome, {name}."),
    "home.steps": ("Mencetak KTP pertama", "Printing your first KTP"),
    "home.step1": (
        "Cari penduduk dengan NIK atau nama; bila belum ada, daftarkan.",
        "Find the resident by NIK or name; register them if they are new.",
    ),
    "home.step2": (
        "Unggah pas foto dan tanda tangan, lalu periksa pratinjau kartu.",
        "Upload the photo and signature, then check the card preview.",
    ),
    "home.step3": (
        "Pilih printer yang siap dan alasan, lalu tekan Cetak kartu.",
        "Choose a ready printer and the reason, then press Print card.",
    ),
    "home.step4": (
        "Ikuti status sampai Selesai. Bila kartu rusak, atasi gangguan lalu minta cetak ulang.",
        "Follow the job until Completed. If the card is spoiled, clear the fault and ask for a reprint.",
    ),
    # -- finance and partner --
    "nav.contracts": ("Kontrak", "Contracts"),
    "fin.title": ("Bagi hasil bulanan", "Monthly revenue share"),
    "fin.month": ("Bulan", "Month"),
    "fin.status.open": ("Terbuka (berjalan)", "Open (running month)"),
    "fin.status.closed": ("Ditutup dan ditandatangani", "Closed and signed"),
    "fin.cards_billed": ("Kartu ditagihkan", "Cards billed"),
    "fin.gross": ("Jumlah bruto", "Gross amount"),
    "fin.partner_share": ("Bagian mitra", "Partner share"),
    "fin.regency_share": ("Bagian pemda", "Regency share"),
    "fin.pph23": ("PPh 23 dipotong", "PPh 23 withheld"),
    "fin.ppn": ("PPN", "VAT (PPN)"),
    "fin.net": ("Dibayar ke mitra", "Net payable to partner"),
    "fin.not_billed": ("Kartu tidak ditagihkan", "Cards not billed"),
    "fin.by_office": ("Per kantor", "By office"),
    "fin.by_reason": ("Per alasan", "By reason"),
    "fin.trend": ("Tren dua belas bulan (jumlah bruto)", "Twelve-month trend (gross amount)"),
    "fin.unposted": (
        "{n} kartu tercetak belum dibukukan (mis. belum ada kontrak yang berlaku). Bulan tidak dapat ditutup.",
        "{n} printed cards are not posted yet (e.g. no contract in force). The month cannot be closed.",
    ),
    "fin.post_now": ("Bukukan sekarang", "Post now"),
    "fin.posted": ("{n} kartu dibukukan.", "{n} cards posted."),
    "fin.close": ("Tutup bulan", "Close the month"),
    "fin.close_hint": (
        "Menutup bulan menetapkan dan menandatangani laporan; setelah itu tidak ada yang dapat diubah.",
        "Closing fixes and signs the statement; nothing in the month can change afterwards.",
    ),
    "fin.closed": (
        "Bulan {month} ditutup dan laporan ditandatangani.",
        "{month} is closed and its statement signed.",
    ),
    "fin.documents": ("Dokumen", "Documents"),
    "fin.statement_pdf": ("Laporan bagi hasil (PDF)", "Statement (PDF)"),
    "fin.statement_xlsx": ("Laporan dan entri (XLSX)", "Statement and entries (XLSX)"),
    "fin.entries_csv": ("Entri buku besar (CSV)", "Ledger entries (CSV)"),
    "fin.bundle": ("Paket laporan bertanda tangan (ZIP)", "Signed statement bundle (ZIP)"),
    "fin.bundle_closed_only": (
        "Paket bertanda tangan tersedia setelah bulan ditutup.",
        "The signed bundle exists once the month is closed.",
    ),
    "fin.public_key": ("Kunci publik (PEM)", "Public key (PEM)"),
    "fin.berita_acara": ("Berita Acara Rekonsiliasi (PDF)", "Reconciliation minutes (PDF)"),
    "fin.reconciliation": ("Rekonsiliasi", "Reconciliation"),
    "fin.contract": ("Perjanjian", "Agreement"),
    "rec.title": ("Rekonsiliasi {month}", "Reconciliation {month}"),
    "rec.status.provisional": ("SEMENTARA: masih ada selisih", "PROVISIONAL: differences remain"),
    "rec.status.final": ("FINAL: semua cocok atau dijelaskan", "FINAL: all match or are explained"),
    "rec.item": ("Pos", "Item"),
    "rec.expected": ("Seharusnya", "Expected"),
    "rec.actual": ("Kenyataan", "Actual"),
    "rec.difference": ("Selisih", "Difference"),
    "rec.explanation": ("Penjelasan", "Explanation"),
    "rec.explain": ("Jelaskan", "Explain"),
    "rec.match": ("Cocok", "Match"),
    "rec.explained": ("Dijelaskan", "Explained"),
    "rec.open": ("Selisih", "Difference"),
    "rec.money": ("Uang diterima per kantor", "Money received by office"),
    "rec.money_add": ("Catat uang diterima", "Record money received"),
    "rec.day": ("Tanggal", "Day"),
    "rec.amount": ("Jumlah (rupiah)", "Amount (rupiah)"),
    "rec.reference": ("Referensi (mis. nomor STS)", "Reference (e.g. deposit slip)"),
    "rec.office_code": ("Kode kantor", "Office code"),
    "rec.import": ("Impor CSV", "Import CSV"),
    "rec.import_hint": (
        "Kolom: office_code,date,amount,reference. Satu baris salah menolak seluruh berkas.",
        "Columns: office_code,date,amount,reference. One bad row rejects the whole file.",
    ),
    "rec.line.cards_completed": (
        "Kartu selesai: catatan cetak (seharusnya) vs buku besar penagihan",
        "Cards completed: printing side (expected) vs billing ledger",
    ),
    "rec.line.printer_counters": (
        "Tercetak + rusak (seharusnya) vs selisih penghitung printer",
        "Printed + spoiled (expected) vs printer counter delta",
    ),
    "rec.line.stock_consumed": (
        "Tercetak + rusak (seharusnya) vs blanko terpakai",
        "Printed + spoiled (expected) vs blank cards consumed",
    ),
    "rec.line.partner_count": (
        "Kartu ditagihkan: buku besar (seharusnya) vs hitungan mitra",
        "Cards billed: ledger (expected) vs the partner's count",
    ),
    "rec.line.money": (
        "Retribusi warga {office}: buku besar (seharusnya) vs diterima di kas daerah",
        "Citizen fees of {office}: ledger (expected) vs received in the treasury",
    ),
    "fin.money_saved": ("Uang diterima dicatat.", "Money received recorded."),
    "fin.imported": ("{n} baris diimpor.", "{n} rows imported."),
    "fin.explained": ("Penjelasan disimpan.", "Explanation saved."),
    "partner.title": ("Pemeriksaan mitra", "Partner audit"),
    "partner.entries": ("Entri buku besar (NIK disamarkan)", "Ledger entries (NIKs masked)"),
    "partner.rows": ("Baris {start}-{end} dari {total}", "Rows {start}-{end} of {total}"),
    "partner.next": ("Berikutnya", "Next"),
    "contract.title": ("Kontrak bagi hasil", "Revenue-share contracts"),
    "contract.number": ("Nomor perjanjian", "Agreement number"),
    "contract.partner": ("Nama mitra", "Partner name"),
    "contract.from": ("Berlaku mulai", "Effective from"),
    "contract.to": ("Berlaku sampai", "Effective to"),
    "contract.fee": ("Tarif", "Fee"),
    "contract.payer": ("Dibayar oleh", "Paid by"),
    "contract.payer.citizen": ("Warga (dibagi)", "Citizen (shared)"),
    "contract.payer.regency": ("Pemda (jasa)", "Regency (service fee)"),
    "contract.share": ("Bagian mitra (basis poin, 3500 = 35%)", "Partner share (basis points, 3500 = 35%)"),
    "contract.rounding": ("Pembulatan", "Rounding"),
    "contract.rounding.per_card": ("Per kartu", "Per card"),
    "contract.rounding.per_period": ("Per periode", "Per period"),
    "contract.pph23": ("PPh 23 (basis poin)", "PPh 23 (basis points)"),
    "contract.add": ("Tambah versi kontrak", "Add a contract version"),
    "contract.added": ("Kontrak {number} disimpan.", "Contract {number} saved."),
    "contract.none": ("Belum ada kontrak.", "No contract yet."),
    "contract.terms": ("Ketentuan", "Terms"),
    "contract.end": ("Akhiri versi", "End version"),
    "contract.end_on": ("Berlaku sampai", "In force until"),
    "contract.ended": ("Versi {number} berakhir {date}.", "Version {number} ends {date}."),
    "contract.open_ended": ("tanpa batas", "open-ended"),
    # -- printers and workers (issue 10: hardening) --
    "err.printer_config_invalid": (
        "Konfigurasi printer tidak sah.",
        "The printer configuration is not valid.",
    ),
    "err.printer_path_outside_data_dir": (
        "{field}: {path} berada di luar direktori data; printer hanya menulis di dalam direktori data.",
        "{field}: {path} is outside the data directory; printers write only inside the data directory.",
    ),
    "err.printer_location_fixed": (
        "{field}: tempat berkas printer ditentukan oleh layanan menurut id printer, tidak dapat dipilih.",
        "{field}: the service decides where a printer keeps its files (by the printer's id); it cannot be chosen.",
    ),
    # -- accounts and sessions (issue 10, finding 7) --
    "err.token_revoked": (
        "Token ini sudah tidak berlaku (keluar dari semua perangkat, kata sandi atau peran diubah, atau akun "
        "dinonaktifkan); silakan masuk lagi.",
        "This token was revoked (logged out everywhere, the password or role changed, or the account was "
        "disabled); log in again.",
    ),
    "err.password_change_required": (
        "Kata sandi Anda diatur ulang oleh administrator: ganti dulu kata sandi Anda.",
        "An administrator reset your password: change it first.",
    ),
    "err.wrong_password": ("Kata sandi saat ini salah.", "The current password is wrong."),
    "err.password_unchanged": (
        "Kata sandi baru harus berbeda dari yang sekarang.",
        "The new password must differ from the current one.",
    ),
    "err.own_account": (
        "Akun Anda sendiri tidak dapat diubah di sini; minta administrator lain.",
        "You cannot do this to your own account; ask another administrator.",
    ),
    "err.user_not_found": ("Pengguna tidak ditemukan.", "No such user."),
    "v.wrong_password": ("Kata sandi saat ini salah.", "The current password is wrong."),
    "v.password_is_username": (
        "Kata sandi tidak boleh sama dengan nama pengguna.",
        "The password must not be the username.",
    ),
    "v.password_unchanged": (
        "Kata sandi baru harus berbeda dari yang sekarang.",
        "Must differ from the current password.",
    ),
    "account.title": ("Akun saya", "My account"),
    "account.must_change": (
        "Administrator mengatur ulang kata sandi Anda. Buat kata sandi baru sebelum melanjutkan.",
        "An administrator reset your password. Choose a new one before you go on.",
    ),
    "account.change": ("Ganti kata sandi", "Change password"),
    "account.old_password": ("Kata sandi saat ini", "Current password"),
    "account.new_password": ("Kata sandi baru", "New password"),
    "account.new_password_again": ("Ulangi kata sandi baru", "New password again"),
    "account.rules": (
        "Paling sedikit 10 karakter, tidak sama dengan nama pengguna.",
        "At least 10 characters, not the username.",
    ),
    "account.mismatch": ("Kedua kata sandi baru tidak sama.", "The two new passwords differ."),
    "account.changed": (
        "Kata sandi diganti. Sesi dan token Anda yang lain sudah diakhiri.",
        "Password changed. Your other sessions and tokens have ended.",
    ),
    "account.everywhere": ("Keluar dari semua perangkat", "Log out everywhere"),
    "account.everywhere_hint": (
        "Mengakhiri semua sesi konsol dan token API Anda, termasuk yang ini.",
        "Ends all your console sessions and API tokens, this one included.",
    ),
    "account.logged_out_everywhere": (
        "Anda sudah keluar dari semua perangkat.",
        "You are logged out everywhere.",
    ),
    "user.actions": ("Tindakan", "Actions"),
    "user.reset": ("Atur ulang kata sandi", "Reset password"),
    "user.reset_done": (
        "Kata sandi sementara {username}: {password} (berikan kepadanya; harus diganti saat masuk).",
        "Temporary password of {username}: {password} (hand it over; it must be changed at login).",
    ),
    "user.disable": ("Nonaktifkan", "Disable"),
    "user.enable": ("Aktifkan", "Enable"),
    "user.disabled": ("Akun {username} dinonaktifkan.", "Account {username} disabled."),
    "user.enabled": ("Akun {username} diaktifkan.", "Account {username} enabled."),
    "user.change_role": ("Ubah peran", "Change role"),
    "user.role_changed": ("Peran {username} diubah.", "The role of {username} changed."),
    # Backups and signing keys (issue 10): ktp backup / ktp restore refusals.
    "err.backup_refused": (
        "Arsip cadangan ditolak: rusak, diubah, atau memuat jalur yang tidak aman.",
        "The backup archive is refused: damaged, changed, or holding an unsafe path.",
    ),
    "err.restore_target_not_empty": (
        "Basis data atau direktori data tujuan tidak kosong; gunakan --force untuk menimpanya.",
        "The target database or data directory is not empty; --force replaces it.",
    ),
    "err.backup_database_tool_failed": (
        "Salinan basis data gagal (pg_dump, pg_restore atau SQLite).",
        "Copying the database failed (pg_dump, pg_restore or SQLite).",
    ),
    # Restore limits (issue 10, continued)
    "error.too_large_page": (
        "Berkas atau isian yang Anda kirim terlalu besar: paling banyak {size}. Kecilkan berkasnya, lalu kirim "
        "lagi.",
        "The file or form you sent is too large: at most {size}. Make the file smaller and send it again.",
    ),
    "error.back": ("Kembali", "Back"),
    "err.restore_no_space": (
        "Ruang disk direktori data tidak cukup untuk memulihkan arsip ini; kosongkan ruang lalu coba lagi.",
        "The data directory's disk has too little free space to restore this archive; free some and retry.",
    ),
    # Month-end documents (issue 11): the statement, the Berita Acara and the draft invoice as PDF, their
    # records, signatories and the partner's invoice number.
    "err.document_already_made": (
        "Dokumen final bulan ini sudah dibuat; dokumen dibuat satu kali.",
        "This month's final document is already made; a document is made once.",
    ),
    "err.document_not_made": (
        "Dokumen final bulan ini belum dibuat.",
        "This month's final document is not made yet.",
    ),
    "err.month_not_closed": (
        "Tutup bulan ini terlebih dahulu.",
        "Close this month first.",
    ),
    "err.reconciliation_not_final": (
        "Masih ada selisih yang belum dijelaskan; rekonsiliasi belum dapat difinalkan.",
        "A difference is still unexplained; the reconciliation cannot be finalised yet.",
    ),
    "err.reconciliation_finalised": (
        "Berita Acara rekonsiliasi {month} sudah dibuat; rekonsiliasinya tidak dapat diubah lagi.",
        "The reconciliation minutes of {month} are made; the reconciliation can no longer change.",
    ),
    "recon.item.cards_completed": (
        "Kartu selesai: catatan pencetakan dibandingkan dengan sistem penagihan",
        "Cards completed: printing records against the billing ledger",
    ),
    "recon.item.printer_counters": (
        "Kartu tercetak dan rusak dibandingkan dengan penghitung printer",
        "Cards printed and spoiled against the printer counters",
    ),
    "recon.item.stock_consumed": (
        "Kartu tercetak dan rusak dibandingkan dengan blangko terpakai",
        "Cards printed and spoiled against blank cards used",
    ),
    "recon.item.partner_count": (
        "Kartu ditagihkan menurut sistem dibandingkan dengan hitungan mitra",
        "Cards billed in the ledger against the partner's count",
    ),
    "recon.item.money": (
        "Retribusi {subject}: seharusnya dibandingkan dengan yang diterima di kas daerah",
        "Citizen fees of {subject}: due against received in the regional treasury",
    ),
    "doc.government": ("PEMERINTAH {regency}", "GOVERNMENT OF {regency}"),
    "doc.period_range": ("{first} s.d. {last}", "{first} to {last}"),
    "doc.contract_cited": ("{number} tanggal {date}", "{number} dated {date}"),
    "doc.contract_cited_from": ("{number} (berlaku mulai {date})", "{number} (in force from {date})"),
    "doc.nip": ("NIP {nip}", "NIP {nip}"),
    "doc.signatory_missing": ("(penanda tangan belum ditetapkan)", "(signatory not configured)"),
    "doc.translation_mark": (
        "TERJEMAHAN: bukan dokumen resmi",
        "TRANSLATION for convenience: the Indonesian original governs",
    ),
    "doc.provisional_mark": ("SEMENTARA: tanpa nomor, angka dapat berubah", "PROVISIONAL: unnumbered"),
    "doc.number_mark": ("Nomor {number}", "Number {number}"),
    "doc.watermark_provisional": ("SEMENTARA", "PROVISIONAL"),
    "doc.watermark_translation": ("TERJEMAHAN", "TRANSLATION"),
    "doc.watermark_draft": ("RANCANGAN", "DRAFT"),
    "doc.draft_mark": ("RANCANGAN: nomor diberikan oleh mitra", "DRAFT: numbered by the partner"),
    "doc.page": ("Halaman {page}", "Page {page}"),
    "doc.statement_title": ("LAPORAN BAGI HASIL PENCETAKAN KTP", "KTP PRINTING REVENUE-SHARE STATEMENT"),
    "doc.statement_short": ("Laporan Bagi Hasil", "Revenue-share statement"),
    "doc.month_line": ("BULAN {month}", "MONTH OF {month}"),
    "doc.number": ("Nomor", "Number"),
    "doc.agreement": ("Perjanjian kerja sama", "Cooperation agreement"),
    "doc.partner": ("Mitra", "Partner"),
    "doc.period": ("Periode", "Period"),
    "doc.status": ("Status", "Status"),
    "doc.status_final_statement": (
        "FINAL: bulan telah ditutup dan laporan ditandatangani secara elektronik",
        "FINAL: the month is closed and the statement signed electronically",
    ),
    "doc.status_open_statement": (
        "SEMENTARA: bulan belum ditutup, angka dapat berubah",
        "PROVISIONAL: the month is open, figures may change",
    ),
    "doc.summary": ("Ringkasan", "Summary"),
    "doc.item": ("Uraian", "Item"),
    "doc.amount": ("Jumlah", "Amount"),
    "doc.total": ("Jumlah", "Total"),
    "doc.cards_billed": ("Kartu ditagihkan", "Cards billed"),
    "doc.cards_not_billed": (
        "Kartu tidak ditagihkan (cetak ulang karena kerusakan printer)",
        "Cards not billed (reprints after a printer fault)",
    ),
    "doc.gross": ("Pendapatan bruto", "Gross revenue"),
    "doc.gross_short": ("Bruto", "Gross"),
    "doc.citizen_fees": ("  dibayar warga (retribusi)", "  paid by citizens (fees)"),
    "doc.regency_fees": (
        "  dibayar pemerintah daerah (jasa layanan)",
        "  paid by the regency (service fees)",
    ),
    "doc.partner_share": ("Bagian mitra", "Partner's share"),
    "doc.rounding_included": (
        "  termasuk penyesuaian pembulatan per periode",
        "  including the per-period rounding adjustment",
    ),
    "doc.regency_share": ("Bagian daerah", "Regency's share"),
    "doc.ppn": ("PPN atas jasa mitra", "VAT (PPN) on the partner's services"),
    "doc.pph23": ("PPh Pasal 23 dipotong", "Income tax art. 23 (PPh 23) withheld"),
    "doc.net_payable": ("Jumlah dibayarkan kepada mitra", "Net amount paid to the partner"),
    "doc.in_words": (
        "Terbilang (dibayarkan kepada mitra): {words}",
        "In words (paid to the partner, Indonesian): {words}",
    ),
    "doc.in_words_partner": (
        "Terbilang (bagian mitra): {words}",
        "In words (partner's share, Indonesian): {words}",
    ),
    "doc.in_words_regency": (
        "Terbilang (bagian daerah): {words}",
        "In words (regency's share, Indonesian): {words}",
    ),
    "doc.in_words_invoice": (
        "Terbilang (jumlah tagihan): {words}",
        "In words (amount invoiced, Indonesian): {words}",
    ),
    "doc.by_office": ("Rincian per kantor", "By office"),
    "doc.by_reason": ("Rincian per alasan penerbitan", "By reason of issue"),
    "doc.by_contract": ("Rincian per versi perjanjian", "By agreement version"),
    "doc.code": ("Kode", "Code"),
    "doc.office": ("Kantor", "Office"),
    "doc.cards": ("Kartu", "Cards"),
    "doc.reason": ("Alasan", "Reason"),
    "doc.rounding_adjustment_row": (
        "Penyesuaian pembulatan per periode",
        "Per-period rounding adjustment",
    ),
    "doc.prior_period": (
        "Termasuk transaksi periode sebelumnya: {cards} kartu, {amount}.",
        "Including prior-period transactions: {cards} cards, {amount}.",
    ),
    "doc.chain": (
        "Rantai hash: transaksi {first} s.d. {last}, hash terakhir {head}, {entries} baris jurnal; "
        "laporan ditandatangani dengan kunci {key_id}.",
        "Hash chain: transactions {first} to {last}, last hash {head}, {entries} journal lines; "
        "statement signed with key {key_id}.",
    ),
    "doc.side_regency": ("PIHAK PERTAMA", "FIRST PARTY"),
    "doc.side_partner": ("PIHAK KEDUA", "SECOND PARTY"),
    "doc.name": ("Nama", "Name"),
    "doc.nip_label": ("NIP", "NIP"),
    "doc.rank": ("Pangkat/golongan", "Rank"),
    "doc.position": ("Jabatan", "Position"),
    "doc.institution": ("Instansi", "Institution"),
    "doc.company": ("Perusahaan", "Company"),
    "doc.npwp": ("NPWP", "Tax number (NPWP)"),
    "doc.npwp_of": ("NPWP {npwp}", "Tax number (NPWP) {npwp}"),
    "doc.address": ("Alamat", "Address"),
    "doc.ba_title": (
        "BERITA ACARA REKONSILIASI PENCETAKAN KTP DAN BAGI HASIL",
        "KTP PRINTING AND REVENUE-SHARE RECONCILIATION MINUTES",
    ),
    "doc.ba_short": ("Berita Acara Rekonsiliasi", "Reconciliation minutes"),
    "doc.number_line": ("Nomor: {number}", "Number: {number}"),
    "doc.number_none": ("Nomor: (belum bernomor, SEMENTARA)", "Number: (none: not an original)"),
    "doc.ba_opening": (
        "Pada hari ini, {weekday} tanggal {date}, bertempat di {place}, kami yang bertanda tangan di bawah ini:",
        "Today, {weekday} {date}, at {place}, we the undersigned:",
    ),
    "doc.acting_for_regency": (
        "dalam hal ini bertindak untuk dan atas nama Pemerintah {regency}, selanjutnya disebut PIHAK PERTAMA;",
        "acting for and on behalf of the Government of {regency}, hereinafter the FIRST PARTY;",
    ),
    "doc.acting_for_partner": (
        "dalam hal ini bertindak untuk dan atas nama perusahaan tersebut, selanjutnya disebut PIHAK KEDUA;",
        "acting for and on behalf of that company, hereinafter the SECOND PARTY;",
    ),
    "doc.ba_basis": (
        "berdasarkan Perjanjian Kerja Sama nomor {agreement}, telah melakukan rekonsiliasi pencetakan KTP dan "
        "bagi hasil bulan {month} (periode {period}) dengan hasil sebagai berikut.",
        "under Cooperation Agreement no. {agreement}, have reconciled the KTP printing and revenue share of "
        "{month} (period {period}) with the following results.",
    ),
    "doc.ba_comparison": ("1. Perbandingan sumber data dan selisih", "1. Sources compared and differences"),
    "doc.ba_state_final": (
        "Seluruh selisih telah sesuai atau dijelaskan.",
        "Every difference matches or is explained.",
    ),
    "doc.ba_state_open": (
        "Masih terdapat selisih yang belum dijelaskan; berita acara ini bersifat SEMENTARA.",
        "A difference is still unexplained; these minutes are PROVISIONAL.",
    ),
    "doc.ba_agreed": ("2. Bagi hasil yang disepakati", "2. Revenue share agreed"),
    "doc.follow_up": ("3. Tindak lanjut", "3. Follow-up"),
    "doc.follow_up_none": ("Tidak ada.", "None."),
    "doc.ba_closing": (
        "Demikian berita acara ini dibuat dalam rangkap dua, masing-masing mempunyai kekuatan hukum yang sama, "
        "untuk dipergunakan sebagaimana mestinya.",
        "These minutes are made in two copies of equal force, to be used as appropriate.",
    ),
    "doc.no": ("No.", "No."),
    "doc.line_item": ("Pos", "Item"),
    "doc.expected": ("Seharusnya", "Due"),
    "doc.actual": ("Sebenarnya", "Actual"),
    "doc.difference": ("Selisih", "Difference"),
    "doc.line_status": ("Status", "Status"),
    "doc.explanation": ("Keterangan", "Explanation"),
    "doc.line_status.match": ("Sesuai", "Matches"),
    "doc.line_status.explained": ("Dijelaskan", "Explained"),
    "doc.line_status.open": ("BELUM DIJELASKAN", "NOT EXPLAINED"),
    "doc.note_outdated": (
        "{note} (dijelaskan untuk selisih {was}, kini {now})",
        "{note} (explained for a difference of {was}, now {now})",
    ),
    "doc.invoice_title": ("RANCANGAN TAGIHAN", "DRAFT INVOICE"),
    "doc.invoice_short": ("Rancangan Tagihan", "Draft invoice"),
    "doc.invoice_number": ("Nomor tagihan mitra", "Partner's invoice number"),
    "doc.invoice_number_blank": ("(diisi mitra)", "(to be filled in by the partner)"),
    "doc.invoice_to": ("Kepada", "To"),
    "doc.invoice_service": (
        "Jasa pencetakan KTP bulan {month}: {cards} kartu (bagian mitra)",
        "KTP printing services, {month}: {cards} cards (partner's share)",
    ),
    "doc.invoice_dpp": ("  Dasar pengenaan pajak (DPP)", "  Tax base (DPP)"),
    "doc.invoice_total": ("Jumlah tagihan (jasa + PPN)", "Amount invoiced (services + VAT)"),
    "doc.invoice_pph23": (
        "Dikurangi PPh Pasal 23 dipotong pemerintah daerah",
        "Less PPh 23 withheld by the regency",
    ),
    "doc.invoice_ppn_treasurer": (
        "Dikurangi PPN dipungut dan disetor bendahara",
        "Less VAT collected and remitted by the treasurer",
    ),
    "doc.invoice_received": ("Jumlah diterima mitra", "Amount the partner receives"),
    "doc.invoice_note": (
        "Rancangan ini disiapkan dari laporan bagi hasil; mitra memberi nomor tagihan menurut pembukuannya "
        "sendiri dan menerbitkan faktur pajak atas PPN.",
        "Prepared from the revenue-share statement; the partner numbers the invoice in its own books and "
        "issues the VAT invoice.",
    ),
    "doc.invoice_link": ("Rancangan tagihan mitra (PDF)", "Partner's draft invoice (PDF)"),
    "doc.invoice_number_saved": ("Nomor tagihan {number} dicatat.", "Invoice number {number} recorded."),
    "doc.english_copy": ("terjemahan bahasa Inggris", "English translation"),
    "doc.records_title": ("Dokumen final bulan ini", "This month's final documents"),
    "doc.records_none": ("Belum ada dokumen final.", "No final document yet."),
    "doc.kind": ("Dokumen", "Document"),
    "doc.kind.statement": ("Laporan bagi hasil", "Revenue-share statement"),
    "doc.kind.berita_acara": ("Berita acara rekonsiliasi", "Reconciliation minutes"),
    "doc.made_on": ("Tanggal", "Date"),
    "doc.finalise_title": ("Finalisasi rekonsiliasi", "Finalise the reconciliation"),
    "doc.finalise": ("Finalkan dan buat berita acara", "Finalise and make the minutes"),
    "doc.finalised": ("Berita acara final nomor {number} dibuat.", "Final minutes number {number} made."),
    "doc.finalise_needs_close": (
        "Rekonsiliasi dapat difinalkan setelah bulan ditutup.",
        "The reconciliation can be finalised once the month is closed.",
    ),
    "doc.finalise_needs_final": (
        "Jelaskan setiap selisih terlebih dahulu.",
        "Explain every difference first.",
    ),
    "doc.follow_up_hint": (
        "Satu tindak lanjut per baris (boleh kosong).",
        "One follow-up per line (may be empty).",
    ),
    "doc.signatories_title": ("Penanda tangan dokumen", "Document signatories"),
    "doc.signatories_hint": (
        "Dokumen memuat penanda tangan yang berlaku pada hari dokumen dibuat. Perubahan dicatat sebagai baris "
        "baru; riwayatnya tetap tersimpan.",
        "Documents name the signatories in force on the day they are made. A change is a new row; the history "
        "stays.",
    ),
    "doc.signatory_add": ("Catat penanda tangan", "Record a signatory"),
    "doc.signatory_saved": ("Penanda tangan {name} dicatat.", "Signatory {name} recorded."),
    "doc.side": ("Pihak", "Side"),
    "doc.side.regency": ("Pemerintah daerah", "Regency"),
    "doc.side.partner": ("Mitra", "Partner"),
    "doc.effective_from": ("Berlaku mulai", "In force from"),
    "doc.recorded_by": ("Dicatat oleh", "Recorded by"),
    # Exports and the partner's verifier (issue 11)
    "fin.statement_csv": ("Ringkasan laporan (CSV)", "Statement summary (CSV)"),
    "fin.exports_note": (
        "CSV memakai titik koma dan UTF-8 (langsung terbuka di spreadsheet berbahasa Indonesia); XLSX memuat "
        "ringkasan, setiap entri, dan rekap per akun dengan kode rekening. Kepala kolom bahasa Inggris: "
        "tambahkan ?lang=en.",
        "CSV uses semicolons and UTF-8 (opens as is in Indonesian spreadsheets); XLSX holds the summary, "
        "every entry and the sums per account with the regency's account codes. English headers: add "
        "?lang=en.",
    ),
    "partner.verify_title": (
        "Memeriksa paket bertanda tangan sendiri",
        "Checking the signed bundle yourself",
    ),
    "partner.verifier_intro": (
        "Pemeriksa ktp-verify berjalan di komputer Anda sendiri tanpa layanan ini: cukup Python 3.11 dan "
        "paket cryptography. Ia memeriksa tanda tangan, rantai hash setiap entri, harga setiap kartu, semua "
        "jumlah, dan titik periksa yang Anda simpan, lalu menyebut hal pertama yang tidak cocok.",
        "The ktp-verify checker runs on your own machine without this service: Python 3.11 and the "
        "cryptography package are all it needs. It checks the signature, the hash chain of every entry, each "
        "card's price, every total and the checkpoints you hold, and names the first thing that does not "
        "match.",
    ),
    "partner.verifier_download": ("Unduh pemeriksa (wheel Python)", "Download the checker (Python wheel)"),
    "partner.verifier_1": (
        "Unduh pemeriksa, paket bulan yang sudah ditutup, dan kunci publik di atas.",
        "Download the checker, the closed month's bundle and the public key above.",
    ),
    "partner.verifier_2": ("Pasang sekali:", "Install it once:"),
    "partner.verifier_3": ("Periksa setiap bulan:", "Check each month:"),
    "partner.verifier_4": (
        "Kode keluar 0: sesuai; 1: ada masalah (disebutkan); 2: paket ditolak (terlalu besar atau bom zip) "
        "atau berkas tidak dapat dibaca. Laporan dalam bahasa Inggris: --lang en.",
        "Exit code 0: verifies; 1: problems (named); 2: bundle refused (too large or a zip bomb) or a file "
        "cannot be read. A report in English: --lang en.",
    ),
    # Missing pages, audit and names beside codes (issue 12, admin12)
    "printer.details": ("Riwayat dan pengaturan", "History and settings"),
    "printer.availability": (
        "Ketersediaan per hari, {days} hari terakhir",
        "Availability per day, last {days} days",
    ),
    "printer.availability_hint": (
        "Bagian dari waktu yang diketahui saat printer siap (siap, mencetak, atau persediaan hampir habis). "
        "- berarti keadaannya belum pernah tercatat hari itu.",
        "Share of the known time the printer was ready (ready, printing, or supplies low). "
        "- means no state was recorded that day.",
    ),
    "printer.changes": ("Perubahan keadaan terakhir", "Last state changes"),
    "printer.reasons": ("Keterangan", "Details"),
    "printer.no_changes": ("Belum ada perubahan keadaan yang tercatat.", "No state change recorded yet."),
    "printer.edit": ("Ubah printer", "Edit the printer"),
    "printer.config": ("Pengaturan (JSON)", "Configuration (JSON)"),
    "printer.config_hint": (
        'Misalnya {"speed": 3} untuk simulator (detik per kartu). Lokasi berkas ditentukan layanan.',
        'E.g. {"speed": 3} for a simulator (seconds a card). File locations are the service\'s to choose.',
    ),
    "printer.config_not_json": (
        'Pengaturan harus berupa objek JSON, misalnya {"speed": 3}.',
        'The configuration must be a JSON object, e.g. {"speed": 3}.',
    ),
    "printer.switch": ("Aktif atau nonaktif", "Switched on or off"),
    "printer.switch_hint_off": (
        "Printer yang dinonaktifkan tidak menerima pekerjaan baru dan tidak dicek lagi.",
        "A switched-off printer gets no new jobs and is no longer checked.",
    ),
    "printer.switch_hint_on": (
        "Printer ini nonaktif: tidak menerima pekerjaan baru.",
        "This printer is switched off: it gets no new jobs.",
    ),
    "printer.waiting_jobs": (
        "{count} kartu sedang menunggu atau dicetak di printer ini.",
        "{count} cards are waiting or printing on this printer.",
    ),
    "printer.disable": ("Nonaktifkan printer", "Switch the printer off"),
    "printer.enable": ("Aktifkan printer", "Switch the printer on"),
    "printer.disabled": ("Printer {name} dinonaktifkan.", "Printer {name} switched off."),
    "printer.enabled": ("Printer {name} diaktifkan.", "Printer {name} switched on."),
    "printer.updated": ("Printer {name} diperbarui.", "Printer {name} updated."),
    "printer.unchanged": ("Tidak ada yang berubah.", "Nothing changed."),
    "err.printer_has_active_jobs": (
        "Printer {printer} masih punya kartu yang menunggu atau dicetak; pindahkan ke kantor lain setelah selesai.",
        "Printer {printer} has cards waiting or printing; it moves to another office once they are done.",
    ),
    # The audit trail's actions in words (audit.<action>)
    "audit.auth.login": ("Masuk", "Logged in"),
    "audit.auth.logout": ("Keluar", "Logged out"),
    "audit.auth.logged_out": ("Keluar", "Logged out"),
    "audit.auth.logout_everywhere": ("Keluar dari semua perangkat", "Logged out everywhere"),
    "audit.billing.bundle.download": ("Mengunduh bundel bertanda tangan", "Downloaded the signed bundle"),
    "audit.billing.checkpoints.read": ("Membaca titik periksa buku besar", "Read the ledger checkpoints"),
    "audit.billing.close": ("Menutup bulan", "Closed the month"),
    "audit.billing.conflict.resolve": ("Menyelesaikan konflik penagihan", "Resolved a billing conflict"),
    "audit.billing.contract.create": ("Menambah versi kontrak", "Added a contract version"),
    "audit.billing.contract.end": ("Mengakhiri versi kontrak", "Ended a contract version"),
    "audit.billing.correction": ("Mencatat koreksi penagihan", "Recorded a billing correction"),
    "audit.billing.entries.read": ("Membaca baris buku besar", "Read the ledger lines"),
    "audit.billing.explain": ("Menjelaskan selisih rekonsiliasi", "Explained a reconciliation difference"),
    "audit.billing.money": ("Mencatat uang diterima", "Recorded money received"),
    "audit.billing.money.import": ("Mengimpor uang diterima", "Imported money received"),
    "audit.billing.reconciliation.read": ("Membaca rekonsiliasi", "Read the reconciliation"),
    "audit.billing.statement.read": ("Membaca laporan bulanan", "Read the monthly statement"),
    "audit.billing.verify": ("Memeriksa rantai buku besar", "Verified the ledger chain"),
    "audit.office.create": ("Menambah kantor", "Added an office"),
    "audit.print_job.create": ("Meminta cetak kartu", "Asked for a card"),
    "audit.print_job.approve": ("Menyetujui kartu kedua", "Approved a second card"),
    "audit.print_job.cancel": ("Membatalkan pekerjaan cetak", "Canceled a print job"),
    "audit.print_job.refuse": ("Menolak kartu kedua", "Refused a second card"),
    "audit.print_job.reprint": ("Meminta cetak ulang", "Asked for a reprint"),
    "audit.print_job.resolve": ("Mencatat hasil cetak", "Recorded a print outcome"),
    "audit.print_job.printed": ("Kartu dicetak", "Card printed"),
    "audit.printer.counter": ("Mencatat angka penghitung printer", "Recorded a printer counter"),
    "audit.printer.create": ("Menambah printer", "Added a printer"),
    "audit.printer.update": ("Mengubah printer", "Edited a printer"),
    "audit.printer.disable": ("Menonaktifkan printer", "Switched a printer off"),
    "audit.printer.enable": ("Mengaktifkan printer", "Switched a printer on"),
    "audit.resident.audit_report": ("Membuat laporan akses data penduduk", "Made a resident's access report"),
    "audit.resident.card_preview": ("Melihat pratinjau kartu", "Looked at the card preview"),
    "audit.resident.create": ("Mendaftarkan penduduk", "Registered a resident"),
    "audit.resident.history": ("Membaca riwayat data penduduk", "Read a resident's history"),
    "audit.resident.read": ("Membaca data penduduk", "Read a resident's data"),
    "audit.resident.search": ("Mencari penduduk", "Searched residents"),
    "audit.resident.list": ("Melihat daftar cetak (nama dan NIK)", "Saw a print list (names and NIKs)"),
    "audit.resident.update": ("Mengubah data penduduk", "Corrected a resident's data"),
    "audit.resident.photo": ("Mengunggah foto", "Uploaded a photo"),
    "audit.resident.signature": ("Mengunggah tanda tangan", "Uploaded a signature"),
    "audit.stock.receipt": ("Menerima blanko", "Received blank cards"),
    "audit.stock.adjustment": ("Menyesuaikan stok blanko", "Adjusted blank-card stock"),
    "audit.user.create": ("Menambah pengguna", "Added a user"),
    "audit.user.disable": ("Menonaktifkan pengguna", "Disabled a user"),
    "audit.user.enable": ("Mengaktifkan pengguna", "Enabled a user"),
    "audit.user.password_change": ("Mengganti kata sandi", "Changed a password"),
    "audit.user.password_reset": ("Mengatur ulang kata sandi", "Reset a password"),
    "audit.user.role_change": ("Mengubah peran pengguna", "Changed a user's role"),
    "audit.entity.resident": ("Penduduk", "Resident"),
    "audit.entity.print_job": ("Pekerjaan cetak", "Print job"),
    "audit.entity.printer": ("Printer", "Printer"),
    "audit.entity.user": ("Pengguna", "User"),
    "audit.entity.office": ("Kantor", "Office"),
    "audit.entity.period": ("Bulan", "Month"),
    "audit.entity.contract": ("Kontrak", "Contract"),
    "audit.entity.conflict": ("Konflik", "Conflict"),
    "audit.entity.ledger": ("Buku besar", "Ledger"),
    "audit.entity.correction": ("Koreksi", "Correction"),
    "nav.audit": ("Jejak audit", "Audit trail"),
    "audit.title": ("Jejak audit", "Audit trail"),
    "audit.lead_all": ("Siapa melakukan apa, terbaru di atas.", "Who did what, newest first."),
    "audit.lead_office": (
        "Siapa melakukan apa di kantor {office} dan wilayahnya, terbaru di atas.",
        "Who did what at office {office} and in its area, newest first.",
    ),
    "audit.filter": ("Saring", "Filter"),
    "audit.person": ("Pengguna", "Person"),
    "audit.person_hint": ("Nama pengguna, misalnya kalijambe.clerk", "Username, e.g. kalijambe.clerk"),
    "audit.resident": ("NIK penduduk", "Resident's NIK"),
    "audit.resident_hint": (
        "16 angka: peristiwa tentang penduduk ini",
        "16 digits: events about this resident",
    ),
    "audit.bad_day": (
        "Tanggal ditulis dd-mm-yyyy, misalnya 01-09-2026.",
        "Write the date as dd-mm-yyyy, e.g. 01-09-2026.",
    ),
    "audit.bad_nik": ("NIK terdiri dari 16 angka.", "A NIK is 16 digits."),
    "audit.no_resident": (
        "Tidak ada penduduk dengan NIK ini di wilayah yang dilayani kantor Anda.",
        "No resident with this NIK in the area your office serves.",
    ),
    "audit.report_link": ("Laporan akses penduduk ini", "This resident's access report"),
    "audit.events": ("{count} peristiwa", "{count} events"),
    "audit.what": ("Tindakan", "What"),
    "audit.record": ("Data", "Record"),
    "audit.shown": ("{count} penduduk ditampilkan", "{count} residents shown"),
    "audit.pages": ("Halaman", "Pages"),
    "audit.newer": ("Lebih baru", "Newer"),
    "audit.older": ("Lebih lama", "Older"),
    "audit.page_of": ("Halaman {page} dari {pages}", "Page {page} of {pages}"),
    "audit.report_title": ("Laporan akses data penduduk", "Access report of a resident's data"),
    "audit.report_made": ("Dibuat", "Made"),
    "audit.report_lead": (
        "Setiap orang yang membaca atau mencetak data penduduk ini, terlama di atas (hak subjek data, UU 27/2022 "
        "tentang Pelindungan Data Pribadi). Pencarian dan daftar yang menampilkan penduduk ini ikut tercatat.",
        "Everyone who read or printed this resident's data, oldest first (the data subject's right, UU 27/2022 on "
        "personal data protection). Searches and lists that showed this resident are included.",
    ),
    "audit.print": ("Cetak laporan", "Print the report"),
    "office.kind.kabupaten": ("Kabupaten (kantor pelayanan terpadu)", "Regency (one-stop office)"),
    "office.kind.kota": ("Kota (kantor pelayanan terpadu)", "City (one-stop office)"),
    "office.kind.kecamatan": ("Kecamatan", "District (kecamatan)"),
    "rec.import_file": ("Berkas CSV uang diterima", "Money-received CSV file"),
    "audit.events_region": ("Tabel peristiwa audit (dapat digeser)", "Audit events table (scrollable)"),
    "printer.availability_region": ("Tabel ketersediaan (dapat digeser)", "Availability table (scrollable)"),
    "partner.lines_region": ("Tabel baris buku besar (dapat digeser)", "Ledger lines table (scrollable)"),
    "nav.fixes": ("Konflik & koreksi", "Conflicts & corrections"),
    "fix.conflicts_title": ("Konflik penagihan", "Billing conflicts"),
    "fix.conflicts_lead": (
        "Kejadian yang datang dengan kunci yang sudah dibukukan tetapi isinya berbeda. Tidak ada yang dibukukan "
        "untuknya; selama belum diselesaikan, bulannya tidak dapat ditutup.",
        "Events that arrived under a key already posted, with other content. Nothing was posted for them; "
        "until resolved, their month cannot close.",
    ),
    "fix.open": ("Belum diselesaikan ({count})", "Open ({count})"),
    "fix.no_open": ("Tidak ada konflik yang terbuka.", "No open conflict."),
    "fix.received": ("Diterima", "Received"),
    "fix.month": ("Bulan", "Month"),
    "fix.event": ("Kejadian", "Event"),
    "fix.detail": ("Keterangan", "Detail"),
    "fix.posted_as": ("sudah dibukukan sebagai transaksi {seq}", "posted as transaction {seq}"),
    "fix.resolution": ("Cara penyelesaian", "How it was resolved"),
    "fix.resolve": ("Selesaikan", "Resolve"),
    "fix.resolved": ("Konflik dicatat selesai.", "Conflict recorded as resolved."),
    "fix.resolution_needed": (
        "Tuliskan cara penyelesaiannya (paling sedikit 3 huruf).",
        "Say how it was resolved (at least 3 characters).",
    ),
    "fix.resolved_title": ("Sudah diselesaikan", "Resolved"),
    "fix.resolved_at": ("Diselesaikan", "Resolved"),
    "fix.corrections_title": ("Koreksi penagihan", "Billing corrections"),
    "fix.corrections_lead": (
        "Kartu yang tertagih padahal tidak semestinya (misalnya ternyata rusak) dibatalkan dengan transaksi "
        "pembalik; tidak ada yang diubah atau dihapus.",
        "A card billed that should not have been (found spoiled, say) is undone by a reversing transaction; "
        "nothing is changed or deleted.",
    ),
    "fix.reversals": ("Pembalikan terakhir", "Latest reversals"),
    "fix.no_reversals": ("Belum ada pembalikan.", "No reversal yet."),
    "fix.card": ("Nomor seri kartu", "Card serial"),
    "fix.amount": ("Tarif", "Fee"),
    "fix.prior_period": ("kartu bulan {month}", "a card of {month}"),
    "fix.reverse": ("Batalkan tagihan kartu", "Reverse a card's billing"),
    "fix.reverse_hint": (
        "Masuk ke bulan kartu itu bila masih terbuka, ke bulan terbuka pertama bila sudah ditutup.",
        "Goes to the card's month while it is open, to the first open month once it is closed.",
    ),
    "fix.why": ("Alasan", "Why"),
    "fix.serial_needed": ("Isi nomor seri kartu.", "Enter the card serial."),
    "fix.note_needed": ("Tuliskan alasannya (paling sedikit 3 huruf).", "Say why (at least 3 characters)."),
    "fix.corrected": ("Tagihan kartu {serial} dibatalkan.", "The billing of card {serial} reversed."),
    "fix.already_corrected": (
        "Tagihan kartu {serial} sudah dibatalkan sebelumnya.",
        "The billing of card {serial} was reversed before.",
    ),
    "err.billed_card_not_found": (
        "Tidak ada kartu tertagih dengan nomor seri {serial} di buku besar.",
        "No billed card with serial {serial} is in the ledger.",
    ),
    "stock.adjust": ("Sesuaikan stok", "Adjust the stock"),
    "stock.adjust_hint": (
        "Bila hitungan fisik berbeda dari catatan: isi selisihnya (+ lebih, - kurang) dan alasannya. Tercatat "
        "di jejak audit.",
        "When a count differs from the books: enter the difference (+ more, - fewer) and why. Recorded in the "
        "audit trail.",
    ),
    "stock.difference": ("Selisih", "Difference"),
    "stock.difference_hint": ("Misalnya -3 atau +10", "E.g. -3 or +10"),
    "stock.reason": ("Alasan", "Reason"),
    "stock.adjust_needs": (
        "Penyesuaian membutuhkan selisih yang bukan nol dan alasannya.",
        "An adjustment needs a non-zero difference and a reason.",
    ),
    "stock.adjusted": ("Stok disesuaikan {quantity}.", "Stock adjusted by {quantity}."),
    "stock.note.printed": (
        "Satu blanko terpakai untuk kartu yang tercetak",
        "One blank card used by a printed card",
    ),
    "stock.note.spoiled": (
        "Satu blanko terbuang: kartu rusak di printer (tidak ditagih)",
        "One blank card lost: spoiled at the printer (not billed)",
    ),
    # Guards, sessions and the counter's smaller annoyances (issue 12).
    "err.refusal_note_required": (
        "Penolakan perlu catatan alasannya (minimal {min} huruf); petugas loket membacakannya kepada penduduk.",
        "A refusal needs a note saying why (at least {min} characters); the clerk reads it to the resident.",
    ),
    "err.month_in_future": ("Bulan {month} belum dimulai.", "{month} has not started yet."),
    "err.month_not_over": (
        "Bulan {month} belum selesai; dapat ditutup mulai {since}.",
        "{month} is not over yet; it can be closed from {since}.",
    ),
    "err.month_already_closed": ("Bulan {month} sudah ditutup.", "{month} is already closed."),
    "err.cards_not_posted": (
        "{n} kartu tercetak sampai bulan {month} belum dibukukan (misalnya belum ada kontrak yang berlaku); "
        "bukukan dulu, lalu tutup bulan.",
        "{n} printed cards up to {month} are not posted yet (e.g. no contract in force); post them, then close.",
    ),
    "err.earlier_month_open": (
        "Tutup dulu bulan {months}: bulan ditutup berurutan.",
        "Close {months} first: months close in order.",
    ),
    "err.event_conflicts_open": (
        "{n} konflik data cetak sampai bulan {month} belum diselesaikan; selesaikan dulu, lalu tutup bulan.",
        "{n} event conflicts up to {month} are unresolved; resolve them, then close.",
    ),
    "print.choose_reason": ("— Pilih alasan kartu kedua —", "— Choose the reason for a second card —"),
    "print.choose_reason_error": (
        "Penduduk ini sudah memegang kartu berlaku. Pilih alasan kartu kedua (hilang, rusak, perubahan data "
        "atau perpanjangan) sebelum mencetak.",
        "This resident already holds a valid card. Choose the reason for a second card (lost, damaged, data "
        "change or renewal) before printing.",
    ),
    "print.card_on_file": ("Sudah ada kartu berlaku", "A valid card exists"),
    "print.printed_at": (
        "dicetak {when} di {printer} ({office})",
        "printed {when} on {printer} ({office})",
    ),
    "sup.card_on_file": ("Kartu berlaku", "Valid card"),
    "sup.no_card": ("tidak ada", "none"),
    "sup.note_hint": ("Catatan (wajib bila menolak)", "Note (required to refuse)"),
    "sup.refuse_needs_note": (
        "Tulis alasan penolakan {serial} di kolom catatan: petugas loket membacakannya kepada penduduk.",
        "Write why {serial} is refused in the note: the clerk reads it to the resident.",
    ),
    "res.facts": ("Data penduduk", "Resident's record"),
    "res.register_this_nik": (
        "Daftarkan penduduk baru dengan NIK ini",
        "Register a new resident with this NIK",
    ),
    "res.register_new": ("Daftarkan penduduk baru", "Register a new resident"),
    "v.image_too_small_px": (
        "Gambar terlalu kecil untuk dicetak: minimal {width}x{height} piksel.",
        "The image is too small to print: at least {width}x{height} pixels.",
    ),
    "v.nik_encodes": (
        "NIK ini menyatakan lahir {date}, {sex}.",
        "This NIK encodes birth date {date}, {sex}.",
    ),
    "session.ends_in": (
        "Sesi berakhir dalam {minutes} menit.",
        "The session ends in {minutes} minutes.",
    ),
    "session.ended": (
        "Sesi Anda berakhir. Formulir yang dikirim sekarang disimpan sebentar dan diisi kembali setelah Anda "
        "masuk lagi.",
        "Your session ended. A form sent now is kept for a while and refilled after you log in again.",
    ),
    "session.extend": ("Perpanjang sesi", "Extend the session"),
    "session.form_kept": (
        "Isian formulir Anda disimpan sebentar di server; setelah masuk, formulir diisi kembali.",
        "What you typed is kept on the server for a while; after logging in the form is refilled.",
    ),
    "session.form_restored": (
        "Isian formulir yang Anda kirim dipulihkan. Periksa, lalu simpan lagi.",
        "The form you sent is refilled. Check it, then save again.",
    ),
    "common.busy": ("Memproses...", "Working..."),
    "fin.close_confirm_title": ("Tutup bulan {month}?", "Close {month}?"),
    "fin.close_back": ("Kembali ke laporan", "Back to the statement"),
    "fin.close_means": ("Menutup bulan berarti:", "Closing the month means:"),
    "fin.close_means_fixed": (
        "Angka bulan {month} ditetapkan: kartu, bagi hasil, PPN dan PPh 23.",
        "The figures of {month} are fixed: cards, shares, VAT and PPh 23.",
    ),
    "fin.close_means_signed": (
        "Laporan ditandatangani secara digital; bundel untuk mitra dapat diunduh.",
        "The statement is signed digitally; the partner's bundle can be downloaded.",
    ),
    "fin.close_means_later": (
        "Kartu atau koreksi yang datang kemudian dibukukan di bulan berikutnya.",
        "Cards or corrections arriving later are posted in the next month.",
    ),
    "fin.close_means_irreversible": (
        "Penutupan tidak dapat dibatalkan.",
        "Closing cannot be undone.",
    ),
    "fin.already_closed": ("Bulan {month} sudah ditutup.", "{month} is already closed."),
    "fin.closes_from": ("Dapat ditutup mulai {when}.", "Can be closed from {when}."),
    "fin.close_confirm_button": ("Ya, tutup bulan {month}", "Yes, close {month}"),
    "fin.closing": ("Menutup bulan...", "Closing the month..."),
    # Jam recovery, try now, moving a job (issue 12)
    "err.job_not_waiting": (
        "Pekerjaan {job} berstatus {state}; hanya pekerjaan yang menunggu printernya dapat dicoba sekarang.",
        "Job {job} is {state}; only a job waiting for its printer can be tried now.",
    ),
    "err.job_not_movable": (
        "Pekerjaan {job} berstatus {state}; hanya pekerjaan yang belum sampai di printer dapat dipindahkan.",
        "Job {job} is {state}; only a job not yet at a printer can be moved.",
    ),
    "err.printer_not_ready": (
        "Printer {printer} belum siap ({reasons}); pilih printer yang siap.",
        "Printer {printer} is not ready ({reasons}); choose a printer that is ready.",
    ),
    "err.job_already_on_printer": (
        "Pekerjaan ini sudah di printer {printer}.",
        "The job is already on printer {printer}.",
    ),
    "err.printer_of_another_office": (
        "Printer {printer} milik kantor lain; pilih printer kantor pekerjaan ini.",
        "Printer {printer} belongs to another office; choose a printer of the job's office.",
    ),
    "msg.printer_ready_again": (
        "Printer {printer} siap kembali; kartu segera dikirim.",
        "Printer {printer} is ready again; the card is sent at once.",
    ),
    "msg.try_now_requested": (
        "Dicoba sekarang atas permintaan petugas.",
        "Tried now at the clerk's request.",
    ),
    "msg.moved_to_printer": (
        "Dipindahkan dari printer {from} ke printer {printer}.",
        "Moved from printer {from} to printer {printer}.",
    ),
    "state.held-printer": ("Tertahan: printer {condition}", "Held: printer {condition}"),
    "warn.no_printer_ready": (
        "Semua printer kantor ini sedang bermasalah: {printers}. Kartu masuk antrian dan dicetak otomatis "
        "begitu printer siap.",
        "Every printer of this office has a problem: {printers}. The card is queued and prints by itself "
        "once a printer is ready.",
    ),
    "warn.printer_not_ready": (
        "Printer {printer} sedang bermasalah ({condition}); kartu menunggu di antrian printer itu. Printer "
        "yang siap: {ready}. Pindahkan pekerjaan dari halamannya bila perlu.",
        "Printer {printer} has a problem ({condition}); the card waits in its queue. Ready printers: "
        "{ready}. Move the job from its page if needed.",
    ),
    "job.printer_state": ("Keadaan printer", "Printer state"),
    "job.retry_at": ("Dicoba lagi otomatis pukul {time}", "Tried again by itself at {time}"),
    "job.retry_in": ("dalam {n} detik", "in {n} s"),
    "job.retry_now": ("sekarang", "now"),
    "job.or_when_ready": ("atau segera setelah printer siap.", "or as soon as the printer is ready."),
    "job.due_now": ("Kartu segera dikirim ke printer.", "The card is being sent to the printer."),
    "job.try_now": ("Coba sekarang", "Try now"),
    "job.try_now_sent": (
        "Printer {printer} siap: kartu dikirim sekarang.",
        "Printer {printer} is ready: the card is sent now.",
    ),
    "job.try_now_still": (
        "Printer {printer} masih bermasalah ({condition}); kartu dicetak otomatis begitu printer siap.",
        "Printer {printer} still has a problem ({condition}); the card prints by itself once it is ready.",
    ),
    "job.move": ("Pindahkan ke printer lain", "Move to another printer"),
    "job.move_to": ("Printer tujuan", "Printer to use"),
    "job.move_submit": ("Pindahkan", "Move"),
    "job.move_hint": (
        "Hanya printer kantor ini yang sedang siap yang dapat dipilih.",
        "Only this office's printers that are ready can be chosen.",
    ),
    "job.move_none": (
        "Tidak ada printer lain yang siap di kantor ini.",
        "No other printer of this office is ready.",
    ),
    "job.moved_flash": ("Pekerjaan dipindahkan ke printer {printer}.", "The job moved to printer {printer}."),
    "job.reprint_printer": ("Cetak ulang di printer", "Reprint on printer"),
    # Reconciliation that is right, money received end to end (issues 11 and 12)
    "err.duplicate_payment_reference": (
        "Referensi pembayaran {reference} sudah dicatat pada entri #{entry_id} ({office_code}, {day}, "
        "{amount}, oleh {recorded_by}). Satu STS hanya dicatat sekali; jika entri itu salah, "
        "batalkan dulu entri itu.",
        "Payment reference {reference} is already recorded in entry #{entry_id} ({office_code}, {day}, "
        "{amount}, by {recorded_by}). A deposit slip is recorded once; if that entry is wrong, "
        "reverse it first.",
    ),
    "err.duplicate_payment_reference.lead": (
        "Referensi pembayaran ini sudah dicatat.",
        "This payment reference is already recorded.",
    ),
    "err.money_entry_not_found": (
        "Entri uang diterima #{entry_id} tidak ada.",
        "There is no money received entry #{entry_id}.",
    ),
    "err.money_already_reversed": (
        "Entri #{entry_id} sudah dibatalkan oleh entri #{reversal_id}.",
        "Entry #{entry_id} was already reversed by entry #{reversal_id}.",
    ),
    "err.reversal_not_reversible": (
        "Entri #{entry_id} adalah pembatalan entri #{reverses_id} dan tidak dapat dibatalkan lagi; "
        "catat ulang uangnya sebagai entri baru.",
        "Entry #{entry_id} is the reversal of entry #{reverses_id} and cannot itself be reversed; record "
        "the money again as a new entry.",
    ),
    "err.unknown_office": (
        "Kantor {office_code} tidak terdaftar di layanan ini.",
        "Office {office_code} is not registered in this service.",
    ),
    "rec.missing": ("Pembacaan hilang", "Reading missing"),
    "rec.missing_list": ("Penghitung belum terbaca: {names}", "Counter not read: {names}"),
    "rec.counters": ("Penghitung kartu per printer", "Card counter by printer"),
    "rec.printer": ("Printer", "Printer"),
    "rec.counter_start": ("Awal", "Start"),
    "rec.counter_end": ("Akhir", "End"),
    "rec.counted": ("Terhitung", "Counted"),
    "rec.cards": ("Kartu (cetak + rusak)", "Cards (printed + spoiled)"),
    "rec.first_in_month": (
        "mulai dari pembacaan pertama bulan ini (printer baru atau diganti)",
        "from its first reading this month (new or replaced printer)",
    ),
    "rec.restarted": (
        "penghitung mulai ulang {n} kali (perangkat diganti?)",
        "counter restarted {n} times (device replaced?)",
    ),
    "rec.counter.match": ("Cocok", "Match"),
    "rec.counter.difference": ("Selisih", "Difference"),
    "rec.counter.missing": ("Pembacaan hilang", "Reading missing"),
    "rec.counter.unknown": ("Tanpa pembanding", "Nothing to compare"),
    "rec.partner_count": ("Hitungan mitra", "The partner's count"),
    "rec.partner_count_is": (
        "{n} kartu, dicatat oleh {who} (perubahan ke-{revisions}).",
        "{n} cards, entered by {who} (revision {revisions}).",
    ),
    "rec.partner_count_none": (
        "Mitra belum mencatat hitungannya untuk bulan ini.",
        "The partner has not entered its count for this month.",
    ),
    "money.title": ("Uang diterima · {month}", "Money received · {month}"),
    "money.open": ("Uang diterima", "Money received"),
    "money.summary": (
        "{n} entri berlaku, jumlah {total}",
        "{n} entries in force, totalling {total}",
    ),
    "money.choose_office": ("Pilih kantor…", "Choose an office…"),
    "money.day_hint": (
        "dd-mm-yyyy, antara {first} dan {last}, paling lambat hari ini",
        "dd-mm-yyyy, from {first} to {last}, today at the latest",
    ),
    "money.amount_hint": (
        "Rupiah utuh, mis. 30000, 30.000 atau Rp 30.000",
        "Whole rupiah, e.g. 30000, 30.000 or Rp 30.000",
    ),
    "money.reference": ("Nomor STS / referensi", "Deposit slip (STS) / reference"),
    "money.reference_hint": (
        "Setiap nomor STS hanya dapat dicatat sekali",
        "Each deposit slip number can be recorded once",
    ),
    "money.record": ("Catat uang diterima", "Record money received"),
    "money.saved": ("Dicatat: {amount} ({words}).", "Recorded: {amount} ({words})."),
    "money.list": ("Daftar entri bulan ini", "This month's entries"),
    "money.none": (
        "Belum ada uang diterima yang dicatat untuk bulan ini.",
        "No money received recorded for this month yet.",
    ),
    "money.recorded": ("Dicatat oleh", "Recorded by"),
    "money.is_reversal": ("Pembatalan entri #{entry}", "Reversal of entry #{entry}"),
    "money.was_reversed": ("Dibatalkan oleh entri #{entry}", "Reversed by entry #{entry}"),
    "money.reason": ("Alasan pembatalan", "Reason for reversing"),
    "money.reason_needed": (
        "Tulis alasan pembatalan (paling sedikit 3 huruf).",
        "Write why the entry is reversed (at least 3 characters).",
    ),
    "money.reverse": ("Batalkan entri", "Reverse entry"),
    "money.reversed": (
        "Entri #{entry} ({amount}) dibatalkan dengan entri pembalik.",
        "Entry #{entry} ({amount}) reversed by a reversing entry.",
    ),
    "v.rupiah.empty": ("Isi jumlah rupiah.", "Enter an amount in rupiah."),
    "v.rupiah.negative": ("Jumlah tidak boleh negatif.", "The amount cannot be negative."),
    "v.rupiah.fraction": (
        "Rupiah ditulis utuh tanpa sen; koma adalah tanda desimal (tulis 30.000, bukan 30,5).",
        "Rupiah are whole, without cents; a comma is the decimal sign (write 30.000, not 30,5).",
    ),
    "v.rupiah.format": (
        "Tulis jumlah seperti 30000, 30.000 atau Rp 30.000.",
        "Write the amount like 30000, 30.000 or Rp 30.000.",
    ),
    "v.rupiah.too_large": ("Jumlah terlalu besar.", "The amount is too large."),
    "partner.count_title": ("Hitungan kartu mitra · {month}", "The partner's card count · {month}"),
    "partner.count_hint": (
        "Jumlah kartu yang ditagihkan bulan ini menurut catatan mitra sendiri. Dibandingkan dengan buku besar "
        "dalam Berita Acara; dapat diubah (riwayatnya disimpan) sampai Berita Acara final.",
        "The cards billed this month by the partner's own records. Compared with the ledger in the minutes; "
        "it can be changed (its history is kept) until the minutes are final.",
    ),
    "partner.count_cards": ("Jumlah kartu", "Cards"),
    "partner.count_save": ("Simpan hitungan", "Save the count"),
    "partner.count_saved": ("Hitungan mitra disimpan: {n} kartu.", "The partner's count saved: {n} cards."),
    "partner.count_none": ("Belum ada hitungan untuk bulan ini.", "No count for this month yet."),
    # Print agents at offices (issue 14)
    "msg.sent_to_agent": (
        "Kartu sudah diterima agen cetak kantor.",
        "The card has reached the office's print agent.",
    ),
    "msg.at_agent": (
        "Kartu tersimpan di agen cetak kantor dan menunggu dicetak.",
        "The card is held by the office's print agent, waiting to be printed.",
    ),
    "msg.agent_outcome_unknown": (
        "Agen cetak kantor tidak dapat memastikan apakah kartu keluar dari printer {printer}; supervisor "
        "perlu memeriksa dan mengonfirmasi.",
        "The office's print agent cannot tell whether the card came out of printer {printer}; a supervisor "
        "must check and confirm.",
    ),
    "err.job_not_fetchable": (
        "Pekerjaan cetak {job} berstatus {state}; agen hanya dapat mengambil pekerjaan yang menunggu.",
        "Print job {job} is {state}; an agent can fetch only a waiting job.",
    ),
    "err.job_not_with_agent": (
        "Pekerjaan cetak {job} berstatus {state} dan tidak dipegang agen cetak ini.",
        "Print job {job} is {state} and is not held by this print agent.",
    ),
    "err.agent_not_found": ("Agen cetak {agent} tidak ditemukan.", "No print agent {agent}."),
    "err.agent_name_taken": (
        "Kantor {office} sudah memiliki agen cetak bernama {agent}.",
        "Office {office} already has a print agent named {agent}.",
    ),
    "err.enrollment_code_invalid": (
        "Kode pendaftaran tidak dikenal atau sudah dipakai; minta kode baru kepada administrator.",
        "This enrollment code is unknown or was already used; ask the administrator for a new one.",
    ),
    "err.enrollment_code_expired": (
        "Kode pendaftaran sudah kedaluwarsa; minta administrator mendaftarkan ulang agen.",
        "This enrollment code has expired; ask the administrator to re-enroll the agent.",
    ),
    "err.agent_credential_invalid": (
        "Kredensial agen cetak tidak dikenal atau sudah diganti; daftarkan agen lagi.",
        "This print agent credential is unknown or was replaced; enroll the agent again.",
    ),
    "err.agent_revoked": (
        "Agen cetak ini sudah dicabut oleh administrator.",
        "This print agent was revoked by an administrator.",
    ),
    "err.agent_job_not_found": (
        "Agen cetak ini tidak memegang pekerjaan {job}.",
        "This print agent holds no job {job}.",
    ),
    "err.agent_attempt_stale": (
        "Laporan untuk pekerjaan {job} menyebut percobaan {attempt} yang sudah tidak berlaku.",
        "The report for job {job} names attempt {attempt}, which no longer holds.",
    ),
    "err.agent_document_missing": (
        "Dokumen kartu untuk pekerjaan {job} sudah tidak tersedia.",
        "The card document for job {job} is no longer available.",
    ),
    # Contract terms and the contracts page (issues 11 and 12): rupiah tiers, net card count, PPN collector.
    "err.share_above_fee": (
        "Bagian mitra {share} per kartu melebihi tarif {reason} yang dibaginya ({fee}).",
        "The partner's share of {share} per card is above the {reason} fee it splits ({fee}).",
    ),
    "err.share_above_full": (
        "Bagian mitra {share} melebihi 100 % tarif yang dibaginya.",
        "The partner's share of {share} is above 100 % of the fee it splits.",
    ),
    "statement.rounding_adjustment": ("Penyesuaian pembulatan", "Rounding adjustment"),
    "account.ppn_payable": ("Utang PPN dipungut bendahara", "PPN withheld by the treasurer, to remit"),
    "contract.signed_on": ("Tanggal penandatanganan", "Signed on"),
    "contract.share_kind": ("Bentuk bagian mitra", "Form of the partner's share"),
    "contract.share_kind.fixed": ("Sama untuk setiap kartu", "The same for every card"),
    "contract.share_kind.tiers": (
        "Berjenjang menurut urutan kartu dalam bulan",
        "Tiered by the card's place in the month",
    ),
    "contract.share_value": ("Bagian mitra per kartu", "Partner's share per card"),
    "contract.share_hint": (
        "Persen dari tarif (12,5 %) atau rupiah per kartu (Rp 3.000 atau 3.000).",
        "A percentage of the fee (12,5 %) or rupiah per card (Rp 3.000 or 3.000).",
    ),
    "contract.tiers": ("Jenjang", "Tiers"),
    "contract.tiers_hint": (
        "Isi dari atas. Jenjang terakhir yang diisi berlaku tanpa batas: kosongkan nomor kartunya. Semua "
        "jenjang dalam persen, atau semua dalam rupiah per kartu.",
        "Fill from the top. The last tier filled has no end: leave its card number empty. Every tier in "
        "percent, or every tier in rupiah per card.",
    ),
    "contract.tier": ("Jenjang", "Tier"),
    "contract.tier_up_to": ("Sampai kartu ke-", "Up to card no."),
    "contract.tier_share": ("Bagian mitra per kartu", "Partner's share per card"),
    "contract.taxes": ("Pajak", "Taxes"),
    "contract.pph23_percent": ("PPh 23 dipotong (persen)", "PPh 23 withheld (percent)"),
    "contract.pkp": (
        "Mitra PKP (PPN 12 % atas 11/12 bagian mitra)",
        "Partner is a PKP (PPN 12 % on 11/12 of its share)",
    ),
    "contract.ppn_collector": ("PPN dipungut dan disetor oleh", "PPN collected and remitted by"),
    "contract.ppn_collector.partner": (
        "Mitra (PPN dibayarkan kepada mitra)",
        "The partner (PPN paid to the partner)",
    ),
    "contract.ppn_collector.bendahara": (
        "Bendahara Pemda (dipotong dan disetor, PMK 59/2022)",
        "The regency's treasurer (withheld and remitted, PMK 59/2022)",
    ),
    "contract.check": ("Periksa", "Check"),
    "contract.understood": ("Yang terbaca dari isian ini", "What this form says"),
    "contract.understood_hint": (
        "Belum ada yang disimpan. Jika sudah sesuai, tekan Tambah versi kontrak.",
        "Nothing is saved yet. If this is right, press Add a contract version.",
    ),
    "contract.words.fixed": (
        "Bagian mitra untuk setiap kartu yang tarifnya dibayar warga: {share}.",
        "The partner's share of every card whose fee the citizen pays: {share}.",
    ),
    "contract.words.rupiah_per_card": ("{amount} per kartu", "{amount} per card"),
    "contract.words.percent_of_fee": ("{percent} dari tarif", "{percent} of the fee"),
    "contract.words.tiers_lead": (
        "Bagian mitra berjenjang menurut urutan kartu yang ditagih dalam bulan itu:",
        "The partner's share is tiered by the card's place among the month's billed cards:",
    ),
    "contract.words.tier": ("kartu ke-{first} s.d. ke-{last}: {share};", "cards {first} to {last}: {share};"),
    "contract.words.tier_open": (
        "kartu ke-{first} dan seterusnya: {share}.",
        "card {first} onwards: {share}.",
    ),
    "contract.words.tiers_net": (
        "Urutan dihitung dari kartu bersih yang ditagih dalam bulan: kartu yang dibatalkan (dikoreksi) dalam "
        "bulan yang sama tidak dihitung, sehingga kartu berikutnya menempati urutannya. Koreksi atas kartu dari "
        "bulan yang sudah ditutup dicatat di bulan berjalan sebagai koreksi periode lalu dengan harga kartu "
        "aslinya, tanpa membuka kembali bulan yang ditutup.",
        "The place is counted among the month's net billed cards: a card reversed (corrected) in the same "
        "month is not counted, so the next card takes its place. A correction of a card of a closed month is "
        "posted in the running month as a prior-period correction at the original card's price, and never "
        "reopens the closed month.",
    ),
    "contract.words.regency_paid": (
        "Tarif {reasons} dibayar Pemda sebagai jasa: seluruhnya untuk mitra.",
        "The fees for {reasons} are paid by the regency as a service fee: all of it to the partner.",
    ),
    "contract.words.rounding.per_card": (
        "Pembulatan per kartu: setiap kartu dibagi dan dibulatkan sendiri.",
        "Rounded per card: each card is split and rounded on its own.",
    ),
    "contract.words.rounding.per_period": (
        "Pembulatan per periode: total bulan dibagi sekali saat bulan ditutup; selisihnya dengan jumlah per "
        "kartu tampil sebagai baris Penyesuaian pembulatan.",
        "Rounded per period: the month's total is split once when the month closes; its difference from the "
        "cards' sum shows as a Rounding adjustment row.",
    ),
    "contract.words.pph23": (
        "PPh 23 {percent} dipotong dari bagian mitra.",
        "PPh 23 of {percent} is withheld from the partner's share.",
    ),
    "contract.words.ppn.partner": (
        "Mitra PKP: PPN 12 % atas 11/12 bagian mitra dipungut dan disetor mitra; Pemda membayar bagian mitra "
        "ditambah PPN dikurangi PPh 23.",
        "The partner is a PKP: PPN of 12 % on 11/12 of its share is collected and remitted by the partner; the "
        "regency pays the share plus PPN less PPh 23.",
    ),
    "contract.words.ppn.bendahara": (
        "Mitra PKP: PPN 12 % atas 11/12 bagian mitra dipungut dan disetor bendahara Pemda (PMK 59/2022); mitra "
        "dibayar bagian mitra dikurangi PPh 23.",
        "The partner is a PKP: PPN of 12 % on 11/12 of its share is withheld and remitted by the regency's "
        "treasurer (PMK 59/2022); the partner is paid its share less PPh 23.",
    ),
    "contract.words.ppn.none": ("Mitra bukan PKP: tanpa PPN.", "The partner is not a PKP: no PPN."),
    "v.contract.percent": (
        "Tulis persen seperti 12,5 % (paling banyak dua angka desimal).",
        "Write a percentage like 12,5 % (two decimals at most).",
    ),
    "v.contract.percent_above_100": (
        "Persen tidak boleh lebih dari 100 %.",
        "A percentage cannot be above 100 %.",
    ),
    "v.contract.rupiah": (
        "Tulis rupiah bulat seperti Rp 3.000 atau 3.000.",
        "Write whole rupiah like Rp 3.000 or 3.000.",
    ),
    "v.contract.share_format": (
        "Tulis persen dengan tanda % (mis. 12,5 %) atau rupiah (mis. Rp 3.000).",
        "Write a percentage with % (e.g. 12,5 %) or rupiah (e.g. Rp 3.000).",
    ),
    "v.contract.end_before_start": (
        "Tanggal berakhir sebelum tanggal mulai berlaku.",
        "The end is before the start.",
    ),
    "v.contract.tier_bound": (
        "Isi nomor kartu terakhir jenjang ini, lebih besar dari jenjang sebelumnya.",
        "Give the last card number of this tier, above the tier before.",
    ),
    "v.contract.last_tier_open": (
        "Jenjang terakhir berlaku tanpa batas: kosongkan nomor kartunya.",
        "The last tier has no end: leave its card number empty.",
    ),
    "v.contract.tier_mix": (
        "Semua jenjang dalam persen atau semua dalam rupiah, jangan dicampur.",
        "Every tier in percent or every tier in rupiah, not a mix.",
    ),
    "doc.ppn_withheld": (
        "PPN dipungut dan disetor bendahara (tidak dibayarkan kepada mitra)",
        "VAT (PPN) collected and remitted by the treasurer (not paid to the partner)",
    ),
    # The card's last step: handover, residents who left, the IKM survey (issue 15)
    "err.card_already_handed_over": (
        "Kartu {serial} sudah diserahkan; penyerahan tidak dicatat dua kali.",
        "Card {serial} was already handed over; a handover is not recorded twice.",
    ),
    "err.card_not_printed": (
        "Pekerjaan {job} berstatus {state}: hanya kartu yang sudah tercetak yang dapat diserahkan.",
        "Job {job} is {state}: only a printed card can be handed over.",
    ),
    "err.card_not_valid": (
        "Kartu {serial} sudah tidak berlaku (diganti, atau pemiliknya meninggal/pindah); kartu ini tidak "
        "diserahkan.",
        "Card {serial} is no longer valid (replaced, or its holder died or moved away); it is not handed over.",
    ),
    "err.old_card_not_collected": (
        "Kartu ini menggantikan kartu {serial}: tarik kartu lama dan musnahkan terlebih dahulu.",
        "This card replaces card {serial}: collect the old card and destroy it first.",
    ),
    "err.resident_departed": (
        "Penduduk ini tercatat meninggal dunia atau pindah; KTP tidak dicetak.",
        "This resident is recorded as deceased or moved away; no card is printed.",
    ),
    "err.resident_deceased": (
        "Penduduk ini tercatat meninggal dunia (akta kematian nomor {document}); KTP tidak dapat dicetak.",
        "This resident is recorded as deceased (death certificate number {document}); no card can be printed.",
    ),
    "err.resident_moved_away": (
        "Penduduk ini tercatat pindah keluar kabupaten (surat pindah nomor {document}); KTP tidak dapat "
        "dicetak di sini.",
        "This resident is recorded as moved out of the regency (moving letter number {document}); no card "
        "can be printed here.",
    ),
    "err.departure_already_recorded": (
        "Kematian atau kepindahan penduduk ini sudah dicatat.",
        "This resident's death or move was already recorded.",
    ),
    "err.departure_card_in_progress": (
        "Kartu untuk penduduk ini sedang diproses (pekerjaan {job}, status: {state}); batalkan atau tunggu "
        "hasilnya terlebih dahulu.",
        "A card for this resident is in progress (job {job}, state: {state}); cancel it or wait for its "
        "outcome first.",
    ),
    "err.handover_not_found": (
        "Kartu pekerjaan {job} belum diserahkan.",
        "The card of job {job} has not been handed over.",
    ),
    "err.survey_already_answered": (
        "Survei untuk tanda terima ini sudah diisi. Terima kasih.",
        "The survey for this receipt was already answered. Thank you.",
    ),
    "err.survey_not_found": (
        "Tautan survei tidak dikenal. Periksa kembali tautan pada tanda terima.",
        "Unknown survey link. Check the link on the receipt.",
    ),
    # IKM survey elements (Permenpan RB 14/2017, lampiran: the nine elements and their four answers)
    "ikm.u1": ("Persyaratan", "Requirements"),
    "ikm.u1.q": (
        "Bagaimana pendapat Anda tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
        "How well did the service's requirements fit the service?",
    ),
    "ikm.u1.a1": ("Tidak sesuai", "Not fitting"),
    "ikm.u1.a2": ("Kurang sesuai", "Barely fitting"),
    "ikm.u1.a3": ("Sesuai", "Fitting"),
    "ikm.u1.a4": ("Sangat sesuai", "Very fitting"),
    "ikm.u2": ("Sistem, mekanisme dan prosedur", "System, mechanism and procedure"),
    "ikm.u2.q": (
        "Bagaimana pemahaman Anda tentang kemudahan prosedur pelayanan di unit ini?",
        "How easy was the service's procedure at this office?",
    ),
    "ikm.u2.a1": ("Tidak mudah", "Not easy"),
    "ikm.u2.a2": ("Kurang mudah", "Barely easy"),
    "ikm.u2.a3": ("Mudah", "Easy"),
    "ikm.u2.a4": ("Sangat mudah", "Very easy"),
    "ikm.u3": ("Waktu penyelesaian", "Completion time"),
    "ikm.u3.q": (
        "Bagaimana pendapat Anda tentang kecepatan waktu dalam memberikan pelayanan?",
        "How fast was the service?",
    ),
    "ikm.u3.a1": ("Tidak cepat", "Not fast"),
    "ikm.u3.a2": ("Kurang cepat", "Barely fast"),
    "ikm.u3.a3": ("Cepat", "Fast"),
    "ikm.u3.a4": ("Sangat cepat", "Very fast"),
    "ikm.u4": ("Biaya/tarif", "Cost/fee"),
    "ikm.u4.q": (
        "Bagaimana pendapat Anda tentang kewajaran biaya/tarif dalam pelayanan?",
        "How fair was the cost or fee of the service?",
    ),
    "ikm.u4.a1": ("Sangat mahal", "Very expensive"),
    "ikm.u4.a2": ("Cukup mahal", "Rather expensive"),
    "ikm.u4.a3": ("Murah", "Cheap"),
    "ikm.u4.a4": ("Gratis", "Free"),
    "ikm.u5": ("Produk spesifikasi jenis pelayanan", "Product of the service"),
    "ikm.u5.q": (
        "Bagaimana pendapat Anda tentang kesesuaian produk pelayanan antara yang tercantum dalam standar pelayanan dengan hasil yang diberikan?",
        "Did what you received match what the service standard promises?",
    ),
    "ikm.u5.a1": ("Tidak sesuai", "Not matching"),
    "ikm.u5.a2": ("Kurang sesuai", "Barely matching"),
    "ikm.u5.a3": ("Sesuai", "Matching"),
    "ikm.u5.a4": ("Sangat sesuai", "Fully matching"),
    "ikm.u6": ("Kompetensi pelaksana", "Staff competence"),
    "ikm.u6.q": (
        "Bagaimana pendapat Anda tentang kompetensi/kemampuan petugas dalam pelayanan?",
        "How competent were the staff?",
    ),
    "ikm.u6.a1": ("Tidak kompeten", "Not competent"),
    "ikm.u6.a2": ("Kurang kompeten", "Barely competent"),
    "ikm.u6.a3": ("Kompeten", "Competent"),
    "ikm.u6.a4": ("Sangat kompeten", "Very competent"),
    "ikm.u7": ("Perilaku pelaksana", "Staff behaviour"),
    "ikm.u7.q": (
        "Bagaimana pendapat Anda tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
        "How polite and friendly were the staff?",
    ),
    "ikm.u7.a1": ("Tidak sopan dan ramah", "Not polite or friendly"),
    "ikm.u7.a2": ("Kurang sopan dan ramah", "Barely polite and friendly"),
    "ikm.u7.a3": ("Sopan dan ramah", "Polite and friendly"),
    "ikm.u7.a4": ("Sangat sopan dan ramah", "Very polite and friendly"),
    "ikm.u8": ("Penanganan pengaduan, saran dan masukan", "Handling of complaints and suggestions"),
    "ikm.u8.q": (
        "Bagaimana pendapat Anda tentang penanganan pengaduan pengguna layanan?",
        "How are complaints of service users handled?",
    ),
    "ikm.u8.a1": ("Tidak ada", "There is no way to complain"),
    "ikm.u8.a2": ("Ada tetapi tidak berfungsi", "There is one, but it does not work"),
    "ikm.u8.a3": ("Berfungsi kurang maksimal", "It works, not fully"),
    "ikm.u8.a4": ("Dikelola dengan baik", "Well handled"),
    "ikm.u9": ("Sarana dan prasarana", "Facilities"),
    "ikm.u9.q": (
        "Bagaimana pendapat Anda tentang kualitas sarana dan prasarana?",
        "How good are the facilities?",
    ),
    "ikm.u9.a1": ("Buruk", "Poor"),
    "ikm.u9.a2": ("Cukup", "Fair"),
    "ikm.u9.a3": ("Baik", "Good"),
    "ikm.u9.a4": ("Sangat baik", "Very good"),
    "err.complaint_not_found": (
        "Keluhan {id} tidak ditemukan di kantor Anda.",
        "No complaint {id} at your office.",
    ),
    "survey.title": ("Survei Kepuasan Masyarakat", "Public satisfaction survey"),
    "survey.intro": (
        "Terima kasih telah mengambil KTP-el Anda di {office}. Bagaimana pelayanan kami? Pilih satu jawaban "
        "untuk tiap pertanyaan; pertanyaan yang tidak ingin Anda jawab boleh dilewati. Jawaban Anda tanpa nama.",
        "Thank you for collecting your KTP-el at {office}. How did we serve you? Pick one answer per "
        "question; you may skip a question you do not want to answer. Your answer is anonymous.",
    ),
    "survey.complaint": (
        "Keluhan, saran atau masukan (boleh dikosongkan)",
        "Complaint or suggestion (optional)",
    ),
    "survey.complaint_hint": (
        "Dibaca oleh pengawas kantor. Jangan menulis NIK atau data pribadi lain.",
        "Read by the office's supervisor. Do not write your NIK or other personal data.",
    ),
    "survey.send": ("Kirim jawaban", "Send answers"),
    "survey.thanks": (
        "Terima kasih. Jawaban Anda sudah kami terima dan akan dipakai untuk memperbaiki pelayanan.",
        "Thank you. We received your answers and will use them to improve the service.",
    ),
    "survey.done": ("Survei ini sudah diisi. Terima kasih.", "This survey was already answered. Thank you."),
    "survey.unknown": (
        "Tautan survei tidak dikenal. Periksa kembali tautan pada tanda terima.",
        "Unknown survey link. Check the link on the receipt.",
    ),
    "survey.language": ("English", "Bahasa Indonesia"),
    "survey.bad_value": ("Jawaban tidak dikenal untuk {element}.", "Unknown answer for {element}."),
    "survey.too_long": ("Keluhan paling banyak 1000 karakter.", "A complaint is at most 1000 characters."),
    "nav.complaints": ("Keluhan", "Complaints"),
    "complaint.title": ("Keluhan dari survei kepuasan", "Complaints from the satisfaction survey"),
    "complaint.hint": (
        "Keluhan, saran dan masukan yang ditulis penduduk pada survei tanda terima, terbaru di atas.",
        "Complaints and suggestions residents wrote in the receipt survey, newest first.",
    ),
    "complaint.when": ("Diterima", "Received"),
    "complaint.text": ("Isi", "Text"),
    "complaint.mark": ("Tandai sudah dibaca", "Mark as read"),
    "complaint.marked": ("Keluhan ditandai sudah dibaca.", "Complaint marked as read."),
    "complaint.read_at": ("Dibaca {when}", "Read {when}"),
    "complaint.none": ("Belum ada keluhan.", "No complaints yet."),
    "nav.uncollected": ("Belum diambil", "Not collected"),
    "handover.open": ("Serahkan kartu", "Hand the card over"),
    "handover.title": ("Penyerahan KTP-el", "KTP-el handover"),
    "handover.recorded": ("Kartu sudah diserahkan pada {when}.", "The card was handed over on {when}."),
    "handover.recipient": ("Diterima oleh", "Received by"),
    "handover.to_resident": ("Penduduk yang bersangkutan", "The resident in person"),
    "handover.to_proxy": ("Kuasa (surat kuasa)", "A proxy (power of attorney)"),
    "handover.proxy": ("Data penerima kuasa", "The proxy"),
    "handover.proxy_name": ("Nama penerima kuasa", "Proxy's name"),
    "handover.proxy_nik": ("NIK penerima kuasa", "Proxy's NIK"),
    "handover.proxy_relation": ("Hubungan dengan penduduk", "Relation to the resident"),
    "handover.proxy_letter": ("Nomor surat kuasa (jika ada)", "Power of attorney number (if any)"),
    "handover.proxy_needed": (
        "Penyerahan kepada kuasa memerlukan nama, NIK (16 angka) dan hubungan penerima kuasa.",
        "A handover to a proxy needs the proxy's name, NIK (16 digits) and relation.",
    ),
    "handover.old_card": ("Kartu lama", "Old card"),
    "handover.old_collect": (
        "Kartu lama {serial} sudah ditarik dan dimusnahkan",
        "Old card {serial} was collected and destroyed",
    ),
    "handover.old_destroyed": ("{serial} ditarik dan dimusnahkan", "{serial} collected and destroyed"),
    "handover.survey_link": ("Tautan survei", "Survey link"),
    "handover.receipt": ("Cetak tanda terima (PDF)", "Print the receipt (PDF)"),
    "handover.not_printed": ("Kartu belum tercetak.", "The card has not been printed."),
    "handover.card_invalid": (
        "Kartu ini sudah tidak berlaku (diganti, atau pemiliknya meninggal/pindah) dan tidak diserahkan.",
        "This card is no longer valid (replaced, or its holder died or moved away) and is not handed over.",
    ),
    "handover.submit": ("Catat penyerahan", "Record the handover"),
    "handover.done": ("Penyerahan kartu dicatat.", "Handover recorded."),
    "departure.open": ("Catat meninggal / pindah", "Record death / move"),
    "departure.title": ("Penduduk meninggal atau pindah", "Resident deceased or moved away"),
    "departure.hint": (
        "Dicatat dengan nomor akta kematian atau surat pindah. KTP yang berlaku menjadi tidak berlaku dan "
        "tidak ada kartu baru yang dicetak.",
        "Recorded with the death certificate's or moving letter's number. The valid card becomes invalid "
        "and no new card is printed.",
    ),
    "departure.kind": ("Peristiwa", "Event"),
    "departure.kind.meninggal": ("Meninggal dunia (akta kematian)", "Deceased (death certificate)"),
    "departure.kind.pindah": (
        "Pindah keluar kabupaten (surat pindah)",
        "Moved out of the regency (moving letter)",
    ),
    "departure.document_number": ("Nomor dokumen", "Document number"),
    "departure.document_date": ("Tanggal dokumen", "Document date"),
    "departure.submit": ("Catat dan nonaktifkan KTP", "Record and invalidate the card"),
    "departure.done": (
        "Dicatat; KTP penduduk ini tidak berlaku lagi.",
        "Recorded; this resident's card is no longer valid.",
    ),
    "departure.card_invalidated": (
        "KTP {serial} dinyatakan tidak berlaku.",
        "Card {serial} was invalidated.",
    ),
    "departure.no_card": (
        "Penduduk ini tidak memiliki KTP yang berlaku.",
        "This resident held no valid card.",
    ),
    "uncollected.title": ("KTP belum diambil", "Cards not collected"),
    "uncollected.days": ("Lebih dari (hari)", "Older than (days)"),
    "uncollected.hint": (
        "KTP yang sudah tercetak dan belum diserahkan lebih dari {days} hari, terlama di atas.",
        "Printed cards not handed over for more than {days} days, longest waiting first.",
    ),
    "uncollected.printed": ("Tercetak", "Printed"),
    "uncollected.waiting": ("Menunggu (hari)", "Waiting (days)"),
    "uncollected.none": ("Tidak ada kartu yang menunggu selama itu.", "No card has waited that long."),
    "ikm.title": ("Indeks Kepuasan Masyarakat (IKM)", "Public satisfaction index (IKM)"),
    "ikm.all_offices": ("Seluruh kantor", "All offices"),
    "ikm.office_name": ("Nama kantor", "Office name"),
    "ikm.answers": ("Jawaban", "Answers"),
    "ikm.receipts": ("Tanda terima", "Receipts"),
    "ikm.unit": ("IKM (1-4)", "IKM (1-4)"),
    "ikm.converted": ("Nilai konversi (25-100)", "Converted (25-100)"),
    "ikm.letter": ("Mutu", "Grade"),
    "ikm.performance": ("Kinerja", "Performance"),
    "ikm.sampling": ("Catatan sampel", "Sampling note"),
    "ikm.no_answers": ("belum ada jawaban", "no answers yet"),
    "ikm.incomplete": (
        "belum dapat dihitung: tidak ada yang menjawab {elements}",
        "cannot be computed yet: nobody answered {elements}",
    ),
    "ikm.sample_enough": (
        "{answers} jawaban dari {population} tanda terima; sampel minimal (Krejcie-Morgan) {needed}: cukup",
        "{answers} answers of {population} receipts; minimum sample (Krejcie-Morgan) {needed}: enough",
    ),
    "ikm.sample_short": (
        "{answers} jawaban dari {population} tanda terima; sampel minimal (Krejcie-Morgan) {needed}: belum "
        "cukup, hasil belum mewakili",
        "{answers} answers of {population} receipts; minimum sample (Krejcie-Morgan) {needed}: not enough, "
        "the result is not yet representative",
    ),
    "ikm.rule": (
        "Permenpan RB 14/2017: NRR tiap unsur = jumlah nilai / jumlah responden yang menjawab unsur itu "
        "(pertanyaan yang dilewati tidak dihitung); bobot sama 1/9; IKM = jumlah (NRR x 1/9); nilai konversi "
        "= IKM x 25; mutu A 88,31-100 Sangat Baik, B 76,61-88,30 Baik, C 65,00-76,60 Kurang Baik, "
        "D 25,00-64,99 Tidak Baik. Periode menurut tanggal jawaban; tanda terima menurut tanggal penyerahan.",
        "Permenpan RB 14/2017: each element's NRR = sum of values / respondents who answered that element "
        "(skipped questions are not counted); equal weights 1/9; IKM = sum (NRR x 1/9); converted = IKM x 25; "
        "grade A 88.31-100 Very good, B 76.61-88.30 Good, C 65.00-76.60 Poor, D 25.00-64.99 Bad. Answers "
        "count by the day answered; receipts by the day handed over.",
    ),
    "ikm.export": ("Unduh", "Download"),
    # Blank cards between offices (issue 15)
    "err.insufficient_stock": (
        "Kantor {office} hanya memiliki {balance} blanko; {quantity} tidak dapat dikirim.",
        "Office {office} has {balance} blank cards; {quantity} cannot be sent.",
    ),
    "err.transfer_already_received": (
        "Kiriman {id} sudah diterima ({quantity} kartu); penerimaan tidak dicatat dua kali.",
        "Transfer {id} was already received ({quantity} cards); a receipt is not recorded twice.",
    ),
    "err.transfer_not_found": (
        "Kiriman {id} tidak ditemukan untuk kantor Anda.",
        "No transfer {id} for your office.",
    ),
    "err.transfer_to_itself": (
        "Kantor tidak mengirim blanko ke dirinya sendiri.",
        "An office does not send cards to itself.",
    ),
    "err.count_below_zero": (
        "Hasil hitung tidak boleh kurang dari nol ({counted}).",
        "A count is never below zero ({counted}).",
    ),
    "stock.kind.transfer_out": ("Dikirim ke kantor lain", "Sent to another office"),
    "stock.kind.transfer_in": ("Diterima dari kantor lain", "Received from another office"),
    "stock.kind.count": ("Selisih stock opname", "Stock count difference"),
    "moves.open": ("Kiriman antarkantor dan stock opname", "Transfers between offices and stock counts"),
    "moves.title": ("Mutasi blanko antarkantor", "Blank cards between offices"),
    "moves.transfers": ("Kiriman", "Transfers"),
    "moves.from": ("Dari", "From"),
    "moves.to": ("Ke kantor", "To office"),
    "moves.sent_at": ("Dikirim", "Sent"),
    "moves.sent": ("Jumlah dikirim", "Sent"),
    "moves.received": ("Jumlah diterima", "Received"),
    "moves.difference": ("Selisih", "Difference"),
    "moves.in_transit": ("Dalam perjalanan", "In transit"),
    "moves.counted": ("Jumlah dihitung", "Counted"),
    "moves.diff_note": ("Alasan selisih (jika ada)", "Reason for a difference (if any)"),
    "moves.confirm": ("Terima", "Receive"),
    "moves.send": ("Kirim blanko", "Send cards"),
    "moves.count": ("Stock opname", "Stock count"),
    "moves.count_hint": (
        "Menurut catatan ada {balance} blanko. Hitung fisik kartu dan catat hasilnya; selisih dicatat.",
        "The books say {balance} blank cards. Count the cards and record the result; a difference is recorded.",
    ),
    "moves.deliver": ("Penerimaan dari pemasok", "Delivery from a supplier"),
    "moves.supplier": ("Dari (pengirim)", "From (supplier)"),
    "moves.batch": ("Batch", "Batch"),
    "moves.serial_from": ("Nomor seri awal", "First serial"),
    "moves.serial_to": ("Nomor seri akhir", "Last serial"),
    "moves.serials": ("Nomor seri", "Serials"),
    "moves.counts": ("Riwayat stock opname", "Stock counts"),
    "moves.deliveries": ("Riwayat penerimaan", "Deliveries"),
    "moves.book": ("Catatan", "Books"),
    "moves.deliver_done": ("Penerimaan blanko dicatat.", "Delivery recorded."),
    "moves.send_done": (
        "Blanko dikirim; menunggu konfirmasi kantor penerima.",
        "Cards sent; waiting for the receiving office to confirm.",
    ),
    "moves.count_done": ("Stock opname dicatat.", "Stock count recorded."),
    "moves.receive_done": ("Penerimaan kiriman dicatat.", "Transfer received."),
    # Progress of long operations; the demo's month (issue 12, console12b)
    "op.title": ("Sedang dikerjakan", "In progress"),
    "op.starting": ("Dimulai...", "Starting..."),
    "op.hint": (
        "Halaman ini berpindah sendiri setelah selesai. Menutup halaman tidak menghentikan pekerjaan.",
        "This page moves on by itself when the work is done. Closing the page does not stop the work.",
    ),
    "op.done": ("Selesai.", "Done."),
    "op.failed": (
        "Pekerjaan gagal karena kesalahan di server. Hubungi administrator.",
        "The work failed on an error in the server. Contact the administrator.",
    ),
    "op.close.post": ("Membukukan kartu yang belum dibukukan", "Posting the cards not posted yet"),
    "op.close.check": ("Memeriksa bulan", "Checking the month"),
    "op.close.statement": ("Menulis laporan bagi hasil", "Writing the revenue-share statement"),
    "op.close.paper": ("Membuat dokumen laporan bertanda tangan", "Making the signed statement paper"),
    "err.operation_not_found": (
        "Pekerjaan ini tidak dikenal (mungkin sudah lama selesai atau layanan dijalankan ulang).",
        "This operation is not known (it may have ended long ago or the service was restarted).",
    ),
    # --- standard15 ---
    # The service standard (issue 15): promised times, working week, holidays; indicators; stock line.
    "std.title": ("Standar pelayanan: waktu penyelesaian", "Service standard: completion times"),
    "std.page_title": ("Standar pelayanan", "Service standard"),
    "std.page_hint": (
        "Waktu yang dijanjikan kepada penduduk, hari kerja dan jam layanan, serta hari libur. Setiap perubahan "
        "dicatat di audit.",
        "The times promised to residents, the working week and service hours, and the holidays. Every change is "
        "recorded in the audit.",
    ),
    "std.rule": (
        "Cara menghitung waktu kerja: hanya jam layanan {opens}–{closes} pada hari kerja ({week}), di luar hari "
        "libur nasional (paket holidays, Indonesia) dan hari libur yang ditambahkan administrator; 1 hari kerja "
        "= {hours} jam layanan. Median dan persentil ke-90 menurut peringkat terdekat.",
        "How working time is counted: only the service hours {opens}–{closes} on working days ({week}), "
        "excluding national holidays (the holidays package, Indonesia) and holidays an administrator added; "
        "1 working day = {hours} service hours. Median and 90th percentile by nearest rank.",
    ),
    "std.unit_note": (
        "Kolom waktu dalam jam kerja; 1 hari kerja = {day}.",
        "Time columns in working hours; 1 working day = {day}.",
    ),
    "std.sheet": ("Standar pelayanan", "Service standard"),
    "std.month": ("Bulan", "Month"),
    "std.all": ("Semua", "All"),
    "std.printed": ("Dicetak", "Printed"),
    "std.handed_over": ("Diserahkan", "Handed over"),
    "std.to_print": ("Permohonan → cetak", "Request → printed"),
    "std.to_handover": ("Cetak → diserahkan", "Printed → handed over"),
    "std.total": ("Permohonan → diserahkan", "Request → handed over"),
    "std.col_print_median": ("Permohonan-cetak median (jam kerja)", "Request-printed median (working hours)"),
    "std.col_print_p90": ("Permohonan-cetak P90 (jam kerja)", "Request-printed P90 (working hours)"),
    "std.col_handover_median": (
        "Cetak-serah median (jam kerja)",
        "Printed-handed over median (working hours)",
    ),
    "std.col_handover_p90": ("Cetak-serah P90 (jam kerja)", "Printed-handed over P90 (working hours)"),
    "std.col_total_median": (
        "Permohonan-serah median (jam kerja)",
        "Request-handed over median (working hours)",
    ),
    "std.col_total_p90": ("Permohonan-serah P90 (jam kerja)", "Request-handed over P90 (working hours)"),
    "std.within": ("Tepat waktu", "Within the promise"),
    "std.share": ("Persentase tepat waktu", "Share within the promise"),
    "std.open_title": (
        "Belum diserahkan dan sudah melewati janji layanan",
        "Not handed over and older than the promise",
    ),
    "std.no_open": ("Tidak ada.", "None."),
    "std.open_more": ("… dan {n} lainnya.", "… and {n} more."),
    "std.job": ("Permohonan", "Request"),
    "std.reason": ("Alasan", "Reason"),
    "std.requested": ("Diminta", "Requested"),
    "std.state": ("Status", "State"),
    "std.waiting_pickup": ("Menunggu diambil", "Waiting to be collected"),
    "std.col_elapsed": ("Waktu kerja berjalan", "Working time so far"),
    "std.col_promise": ("Janji layanan", "Promised time"),
    "std.promises": ("Janji waktu layanan", "Promised times"),
    "std.configure": ("Atur standar pelayanan", "Configure the service standard"),
    "std.week": ("Hari kerja dan jam layanan", "Working week and service hours"),
    "std.workdays": ("Hari kerja", "Working days"),
    "std.opens": ("Jam buka (JJ:MM)", "Opens (HH:MM)"),
    "std.closes": ("Jam tutup (JJ:MM)", "Closes (HH:MM)"),
    "std.day_length": ("1 hari kerja = {day}.", "1 working day = {day}."),
    "std.working_days": ("Hari kerja", "Working days"),
    "std.hours": ("Jam", "Hours"),
    "std.promise_hint": (
        "Dari permohonan sampai kartu diserahkan, dalam waktu kerja. Harus lebih dari nol.",
        "From the request to the card handed over, in working time. Must be more than zero.",
    ),
    "std.holidays": ("Hari libur", "Holidays"),
    "std.year": ("Tahun", "Year"),
    "std.working_days_year": ("{n} hari kerja pada tahun {year}.", "{n} working days in {year}."),
    "std.date": ("Tanggal", "Date"),
    "std.holiday_name": ("Nama hari libur", "Holiday"),
    "std.source": ("Sumber", "Source"),
    "std.source.package": ("Libur nasional (paket holidays)", "National holiday (holidays package)"),
    "std.source.added": ("Ditambahkan administrator", "Added by an administrator"),
    "std.removed": ("tetap buka (dihapus administrator)", "offices open (removed by an administrator)"),
    "std.undo": ("Batalkan perubahan", "Undo the change"),
    "std.package_note": (
        "Libur nasional dari paket Python holidays (kategori public). Cuti bersama dan libur daerah "
        "ditambahkan di sini.",
        "National holidays from the Python holidays package (public category). Cuti bersama and local holidays "
        "are added here.",
    ),
    "std.add_holiday": ("Tambah hari libur", "Add a holiday"),
    "std.remove_holiday": (
        "Hapus libur nasional (kantor tetap buka)",
        "Remove a national holiday (offices open)",
    ),
    "std.remove_reason": ("Keterangan", "Note"),
    "std.bad_date": ("Tanggal ditulis dd-mm-yyyy.", "Write the date as dd-mm-yyyy."),
    "std.saved": ("Standar pelayanan disimpan.", "Service standard saved."),
    "std.day.1": ("Senin", "Monday"),
    "std.day.2": ("Selasa", "Tuesday"),
    "std.day.3": ("Rabu", "Wednesday"),
    "std.day.4": ("Kamis", "Thursday"),
    "std.day.5": ("Jumat", "Friday"),
    "std.day.6": ("Sabtu", "Saturday"),
    "std.day.7": ("Minggu", "Sunday"),
    "err.promise_invalid": (
        "Janji waktu layanan harus lebih dari nol dan paling lama {max} hari kerja (jam 0–23); tertulis {days} "
        "hari {hours} jam.",
        "A promised time is more than zero and at most {max} working days (hours 0–23); given {days} days "
        "{hours} hours.",
    ),
    "err.reason_unknown": (
        "Alasan penerbitan {reason} tidak dikenal; gunakan salah satu dari: {reasons}.",
        "Unknown issuance reason {reason}; use one of: {reasons}.",
    ),
    "err.workweek_invalid": (
        "Hari kerja harus berisi paling sedikit satu hari, Senin = 1 sampai Minggu = 7 (tertulis: {days}).",
        "The working week names at least one day, Monday = 1 to Sunday = 7 (given: {days}).",
    ),
    "err.service_hours_invalid": (
        "Jam layanan ditulis JJ:MM sampai JJ:MM dan jam buka sebelum jam tutup (tertulis {opens} – {closes}).",
        "Service hours are HH:MM to HH:MM, opening before closing (given {opens} – {closes}).",
    ),
    "err.holiday_out_of_range": (
        "Hari libur hanya dapat diatur untuk tahun {first} sampai {last}; {day} di luar rentang itu.",
        "A holiday can be set for the years {first} to {last} only; {day} is outside.",
    ),
    "err.holiday_name_missing": (
        "Tulis nama hari libur (misalnya Cuti bersama Idulfitri).",
        "Name the holiday (e.g. Cuti bersama Idulfitri).",
    ),
    "err.holiday_already_changed": (
        "Tanggal {day} sudah diubah ({name}); batalkan perubahan itu dahulu.",
        "{day} was already changed ({name}); undo that change first.",
    ),
    "err.holiday_not_national": (
        "Tanggal {day} bukan hari libur nasional; tidak ada yang dihapus.",
        "{day} is not a national holiday; nothing to remove.",
    ),
    "err.holiday_already_off": (
        "Tanggal {day} sudah hari libur nasional.",
        "{day} is a national holiday already.",
    ),
    "err.holiday_change_not_found": (
        "Tidak ada perubahan pada tanggal {day}.",
        "No change was made to {day}.",
    ),
    "audit.standard.promise": ("Mengubah janji waktu layanan", "Changed a promised time"),
    "audit.standard.week": ("Mengubah hari kerja dan jam layanan", "Changed the working week and hours"),
    "audit.standard.holiday_add": ("Menambah hari libur", "Added a holiday"),
    "audit.standard.holiday_remove": ("Menghapus libur nasional", "Removed a national holiday"),
    "audit.standard.holiday_undo": ("Membatalkan perubahan hari libur", "Undid a holiday change"),
    "nav.standard": ("Standar pelayanan", "Service standard"),
    "rec.line.stock": (
        "Blanko {office}: awal + penerimaan + kiriman masuk − kiriman keluar − tercetak − rusak ± selisih "
        "opname (seharusnya) vs saldo akhir di buku stok",
        "Blank cards of {office}: opening + deliveries + transfers in − transfers out − printed − spoiled ± "
        "count differences (expected) vs closing balance in the stock books",
    ),
    "recon.item.stock": (
        "Mutasi blanko {subject}: saldo akhir menurut mutasi dibandingkan dengan buku stok",
        "Blank-card movements of {subject}: closing balance by the movements against the stock books",
    ),
    "rec.stock_title": ("Mutasi blanko per kantor", "Blank-card movements per office"),
    "rec.stock_hint": (
        "Saldo akhir seharusnya = awal + penerimaan + kiriman masuk − kiriman keluar − tercetak − rusak ± "
        "selisih opname. Blanko yang dikirim tetapi belum dikonfirmasi penerima pada akhir bulan tidak masuk "
        "saldo kantor mana pun: ditampilkan sebagai dalam perjalanan ({transit} blanko).",
        "Expected closing = opening + deliveries + transfers in − transfers out − printed − spoiled ± count "
        "differences. Cards sent and not confirmed by the receiver at the month's end are in neither office's "
        "balance: shown as in transit ({transit} cards).",
    ),
    "rec.stock_expected": ("Akhir (seharusnya)", "Closing (expected)"),
    "rec.stock_shortfall": ("Kurang saat diterima", "Short on receipt"),
    "rec.stock_transit_in": ("Sedang menuju kantor ini", "On the way here"),
    "doc.stock_title": ("2. Mutasi blanko per kantor", "2. Blank-card movements per office"),
    "doc.stock_opening": ("Awal", "Opening"),
    "doc.stock_received": ("Terima", "Delivered"),
    "doc.stock_in": ("Masuk", "In"),
    "doc.stock_out": ("Keluar", "Out"),
    "doc.stock_printed": ("Cetak", "Printed"),
    "doc.stock_spoiled": ("Rusak", "Spoiled"),
    "doc.stock_counts": ("Opname ±", "Counts ±"),
    "doc.stock_closing": ("Akhir", "Closing"),
    "doc.stock_transit": ("Di jalan", "In transit"),
    "doc.stock_rule": (
        "Akhir = awal + terima + masuk − keluar − cetak − rusak ± opname; selisih per kantor tercantum pada "
        "tabel perbandingan. Dalam perjalanan pada akhir bulan: {transit} blanko.",
        "Closing = opening + delivered + in − out − printed − spoiled ± counts; each office's difference is in "
        "the comparison table. In transit at the month's end: {transit} cards.",
    ),
    # --- close14 --- print agents and the month close; taking a job back from an agent (issue 14)
    "err.month_cards_held_by_agents": (
        "{n} kartu bulan {month} masih dipegang agen cetak: {cards}. Bulan hanya dapat ditutup dengan "
        "alasan; kartu yang dilaporkan kemudian dibukukan sebagai koreksi periode sebelumnya di bulan "
        "terbuka berikutnya.",
        "{n} card(s) of {month} are still held by print agents: {cards}. The month can be closed only with a "
        "reason; a card reported later is booked as a prior-period item in the next open month.",
    ),
    "err.close_reason_required": (
        "Tuliskan alasan menutup bulan selagi kartu masih di agen cetak ({min} sampai {max} karakter).",
        "Say why the month is closed while cards are still at print agents ({min} to {max} characters).",
    ),
    "err.agent_recall_note_required": (
        "Menarik pekerjaan dari agen cetak memerlukan catatan alasannya (sedikitnya {min} karakter).",
        "Taking a job back from its print agent needs a note saying why (at least {min} characters).",
    ),
    "err.agent_job_recalled": (
        "Pekerjaan {job} sudah ditarik dari agen cetak ini oleh supervisor; laporan {event} ditolak dan "
        "dicatat untuk supervisor (tidak ditagihkan).",
        "Job {job} was taken back from this print agent by a supervisor; report {event} was refused and "
        "recorded for the supervisor (never billed).",
    ),
    "err.agent_credential_digest_taken": (
        "Kredensial baru ini sudah dipakai; buat kredensial lain (jalankan ulang ktp agent rotate).",
        "This new credential is already in use; make another one (run ktp agent rotate again).",
    ),
    "msg.agent_job_recalled": (
        "Ditarik dari agen cetak {agent} oleh supervisor ({note}). Kartu mungkin sudah tercetak di kantor: "
        "supervisor perlu memastikan apakah kartu keluar, lalu mengonfirmasi.",
        "Taken back from print agent {agent} by a supervisor ({note}). The card may have printed at the "
        "office: a supervisor must check whether it came out, then confirm.",
    ),
    "msg.agent_job_canceled": (
        "Dibatalkan selagi dipegang agen cetak {agent} ({note}). Kartu mungkin sudah tercetak di kantor: "
        "supervisor perlu memastikan apakah kartu keluar, lalu mengonfirmasi.",
        "Cancelled while held by print agent {agent} ({note}). The card may have printed at the office: a "
        "supervisor must check whether it came out, then confirm.",
    ),
    "agent_holds.closed_anyway": (
        "Bulan ini ditutup oleh {by} selagi {n} kartu masih dipegang agen cetak. Alasan: {reason}. Kartu "
        "yang dilaporkan tercetak kemudian dibukukan sebagai koreksi periode sebelumnya di bulan terbuka "
        "berikutnya.",
        "This month was closed by {by} while {n} card(s) were still held by print agents. Reason: {reason}. "
        "A card reported printed later is booked as a prior-period item in the next open month.",
    ),
    "fin.held_title": ("Kartu yang masih dipegang agen cetak", "Cards still held by print agents"),
    "fin.held_intro": (
        "Agen cetak di kantor-kantor berikut menerima kartu ini sebelum akhir bulan dan belum melaporkan "
        "hasilnya. Penutupan ditolak selama kartu ini ada, kecuali Anda menuliskan alasan.",
        "The print agents at these offices received these cards before the month ended and have not "
        "reported them yet. Closing is refused while they are held, unless you give a reason.",
    ),
    "fin.held_card": ("Nomor kartu", "Card serial"),
    "fin.held_office": ("Kantor", "Office"),
    "fin.held_agent": ("Agen cetak", "Print agent"),
    "fin.held_printer": ("Printer", "Printer"),
    "fin.held_since": ("Diterima agen", "Reached the agent"),
    "fin.held_ack": ("Dikonfirmasi agen", "Confirmed by the agent"),
    "fin.close_reason": ("Alasan menutup walau kartu masih di agen", "Reason to close with cards at agents"),
    "fin.close_reason_hint": (
        "Dicatat dalam jejak audit dan dicetak pada laporan bagi hasil serta Berita Acara.",
        "Recorded in the audit trail and printed on the statement and the Berita Acara.",
    ),
    "fin.close_anyway_button": (
        "Tutup {month} walau kartu masih di agen",
        "Close {month} with cards at agents",
    ),
    "job.recall": ("Tarik dari agen cetak", "Take back from the print agent"),
    "job.recall_hint": (
        "Untuk agen yang dicabut atau mesinnya hilang. Kartu mungkin sudah tercetak: pekerjaan menunggu "
        "konfirmasi Anda; laporan agen sesudahnya ditolak dan dicatat.",
        "For an agent revoked or whose machine is lost. The card may have printed: the job waits for your "
        "confirmation; the agent's later reports are refused and recorded.",
    ),
    "job.recall_note": ("Catatan (wajib)", "Note (required)"),
    "job.recalled_flash": (
        "Pekerjaan ditarik dari agen cetak.",
        "The job was taken back from the print agent.",
    ),
    "job.recalled_info": (
        "Ditarik dari agen pada {at} oleh {by}: {note}",
        "Taken back from the agent at {at} by {by}: {note}",
    ),
    "job.refused_event": ("Laporan", "Report"),
    "job.refused_printer_time": ("Waktu printer", "Printer time"),
    "job.refused_received": ("Diterima pusat", "Received at the centre"),
    "job.refused_reports": (
        "Laporan agen sesudah ditarik (ditolak, tidak ditagihkan)",
        "Agent reports after the take-back (refused, never billed)",
    ),
    # --- console12c ---
    "fin.status.open_past": ("Terbuka (belum ditutup)", "Open (not closed yet)"),
    "op.counted": ("{step}: {done} dari {total}", "{step}: {done} of {total}"),
    "op.back": ("Kembali", "Back"),
    "op.batch.create": ("Membuat pekerjaan cetak", "Creating the print jobs"),
    "op.batch.print": ("Mencetak kartu", "Printing the cards"),
    "op.export.make": ("Menyusun file dari buku besar", "Making the file from the ledger"),
    "op.export.ready_title": ("File siap", "File ready"),
    "op.export.ready": (
        "File {file} siap; unduhan dimulai sendiri.",
        "File {file} is ready; the download starts by itself.",
    ),
    "op.export.download": ("Unduh {file}", "Download {file}"),
    "batch.title": ("Cetak sekumpulan kartu baru", "Print a batch of new cards"),
    "batch.niks": ("NIK penduduk, satu per baris", "Residents' NIKs, one per line"),
    "batch.hint": (
        "Hanya kartu pertama (alasan Baru), paling banyak 100. Kartu kedua dipilih alasannya di halaman penduduk.",
        "First cards only (reason New), at most 100. A second card's reason is chosen on the resident's page.",
    ),
    "batch.submit": ("Cetak semua", "Print them all"),
    "batch.bad_niks": (
        "Bukan NIK 16 angka: {entries}. Tidak ada yang dicetak.",
        "Not a 16-digit NIK: {entries}. Nothing was printed.",
    ),
    "batch.empty": ("Tuliskan paling sedikit satu NIK.", "Enter at least one NIK."),
    "batch.too_many": ("Paling banyak {most} NIK sekaligus.", "At most {most} NIKs at once."),
    "batch.done": (
        "Sekumpulan selesai: {printed} kartu dicetak, {attention} perlu perhatian (lihat antrean), "
        "{refused} NIK ditolak. {details}",
        "Batch ended: {printed} cards printed, {attention} need attention (see the queue), "
        "{refused} NIKs refused. {details}",
    ),
    # --- village14 ---
    # Village service points and print agents in the console (issue 14)
    "v.out_of_scope_village": (
        "Kelurahan/desa ini tidak dilayani kantor Anda; kantor desa/kelurahan hanya melayani warganya sendiri.",
        "Your office does not serve this village; a village office serves its own residents only.",
    ),
    "err.out_of_office_scope": (
        "Wilayah {region} tidak dilayani kantor Anda ({office}).",
        "Region {region} is not served by your office ({office}).",
    ),
    "err.parent_office_missing": (
        "Daftarkan dulu kantor kecamatan {parent} ({parent_name}) sebelum kantor desa/kelurahan {office} ({name}).",
        "Register the office of kecamatan {parent} ({parent_name}) before its village office {office} ({name}).",
    ),
    "office.kind.kelurahan": ("Kelurahan (tempat pelayanan)", "Kelurahan (village service point)"),
    "office.kind.desa": ("Desa (tempat pelayanan)", "Desa (village service point)"),
    "office.parent": ("Di bawah kantor", "Under office"),
    "office.code_hint": (
        "33.14 (kabupaten), 33.14.01 (kecamatan) atau 33.14.01.2001 (kelurahan/desa)",
        "33.14 (regency), 33.14.01 (kecamatan) or 33.14.01.2001 (kelurahan/desa)",
    ),
    "nav.agents": ("Agen cetak", "Print agents"),
    "agent.title": ("Agen cetak di kantor", "Print agents at offices"),
    "agent.intro": (
        "Agen cetak berjalan di samping printer kantor kecamatan dan desa: mengambil kartu dari pusat, "
        "mencetaknya, dan melaporkan hasilnya, juga saat jaringan terputus.",
        "A print agent runs next to a kecamatan or village office's printers: it fetches cards from the centre, "
        "prints them and reports each outcome, also while the link is down.",
    ),
    "agent.list": ("Agen terdaftar", "Registered agents"),
    "agent.none": ("Belum ada agen cetak.", "No print agents yet."),
    "agent.contact": ("Kontak terakhir", "Last contact"),
    "agent.version": ("Versi", "Version"),
    "agent.queue": ("Antrean", "Queue"),
    "agent.held": ("Kartu dipegang", "Jobs held"),
    "agent.printers": ("Printer (laporan terakhir)", "Printers (as last reported)"),
    "agent.no_printers": ("Belum ada printer", "No printers yet"),
    "agent.add": ("Tambah agen", "Add an agent"),
    "agent.name_hint": (
        "Huruf, angka, titik, garis bawah atau tanda hubung, unik di kantor itu (mis. kalijambe).",
        "Letters, digits, dots, underscores or hyphens, unique within the office (e.g. kalijambe).",
    ),
    "agent.name_rule": (
        "Nama diawali huruf atau angka; hanya huruf, angka, titik, garis bawah, tanda hubung (maks. 64).",
        "The name starts with a letter or digit; only letters, digits, dots, underscores, hyphens (64 at most).",
    ),
    "agent.state.revoked": ("dicabut", "revoked"),
    "agent.state.awaiting": ("menunggu pendaftaran", "awaiting enrollment"),
    "agent.state.enrolled": ("terdaftar", "enrolled"),
    "agent.revoked_at": ("Dicabut {time}", "Revoked {time}"),
    "agent.awaiting_until": ("Kode berlaku sampai {time}", "Code valid until {time}"),
    "agent.unreachable_since": ("Tidak terjangkau sejak {time}", "Unreachable since {time}"),
    "agent.contact_at": ("Terhubung {time}", "Last contact {time}"),
    "agent.held_too_long": ("{n} terlalu lama", "{n} held too long"),
    "agent.re_enroll": ("Daftar ulang", "Re-enroll"),
    "agent.revoke": ("Cabut", "Revoke"),
    "agent.added": ("Agen cetak ditambahkan", "Print agent added"),
    "agent.re_enrolled": ("Kode pendaftaran baru", "A new enrollment code"),
    "agent.code_for": (
        "Agen {name} untuk kantor {office} {office_name}.",
        "Agent {name} for office {office} {office_name}.",
    ),
    "agent.code": ("Kode pendaftaran sekali pakai:", "One-time enrollment code:"),
    "agent.code_expires": ("Berlaku sampai {time}.", "Valid until {time}."),
    "agent.code_once": (
        "Kode ini ditampilkan sekali ini saja dan tidak disimpan di pusat. Catat atau salin sekarang; jika "
        "hilang, daftarkan ulang agen untuk kode baru.",
        "This code is shown this once and is not kept at the centre. Write it down or copy it now; if it is "
        "lost, re-enroll the agent for a new one.",
    ),
    "agent.code_run": (
        "Di komputer kantor, pasang paket ktp-service lalu jalankan:",
        "On the office's computer, install the ktp-service package and run:",
    ),
    "agent.back": ("Kembali ke daftar agen", "Back to the agents"),
    "agent.confirm_title.revoke": ("Cabut agen {name}?", "Revoke agent {name}?"),
    "agent.confirm_title.re-enroll": ("Daftarkan ulang agen {name}?", "Re-enroll agent {name}?"),
    "agent.confirm_text.revoke": (
        "Agen ditolak mulai permintaan berikutnya. {n} kartu yang dipegangnya tetap terikat padanya (mungkin "
        "sudah tercetak); supervisor memutuskannya.",
        "The agent is refused from its next request on. The {n} jobs it holds stay bound to it (they may have "
        "printed); a supervisor decides about them.",
    ),
    "agent.confirm_text.re-enroll": (
        "Kredensial lama agen langsung tidak berlaku; kode sekali pakai baru ditampilkan sekali. {n} kartu yang "
        "dipegangnya tetap terikat dan diambil lagi oleh agen setelah mendaftar ulang dari jurnalnya.",
        "The agent's old credential stops working at once; a new one-time code is shown once. The {n} jobs it "
        "holds stay bound and are picked up again from its journal once it has enrolled again.",
    ),
    "agent.confirm_button.revoke": ("Ya, cabut {name}", "Yes, revoke {name}"),
    "agent.confirm_button.re-enroll": ("Ya, buat kode baru untuk {name}", "Yes, a new code for {name}"),
    "agent.revoked": ("Agen {name} dicabut.", "Agent {name} revoked."),
    "agent.not_found": ("Agen cetak {agent} tidak ditemukan.", "No print agent {agent}."),
    "job.agent": ("Agen cetak kantor", "Office's print agent"),
    "job.agent_reached": ("Sampai di agen", "Reached the agent"),
    "job.agent_printed": ("Dicetak (jam printer)", "Printed (printer's clock)"),
    "job.agent_reported": ("Dilaporkan ke pusat", "Reported to the centre"),
    "job.agent_not_reported": ("belum dilaporkan", "not reported yet"),
    "job.agent_contact": ("Kontak terakhir agen", "Agent's last contact"),
    "job.agent_unreachable": (
        "Agen {name} tidak terjangkau sejak {time}. Pusat tidak tahu lebih dari itu sampai agen terhubung "
        "lagi; halaman status agen di kantor menunjukkan keadaannya.",
        "Agent {name} has been unreachable since {time}. The centre cannot know more until it hears back; the "
        "agent's status page at the office shows where the card is.",
    ),
    "job.agent_held_too_long": (
        "Agen {name} memegang kartu ini lebih lama dari batas; periksa agen di kantor.",
        "Agent {name} has held this card longer than allowed; check the agent at the office.",
    ),
    # --- alerts15 --- alerts (issue 15, part 4)
    "err.alert_not_found": (
        "Peringatan {id} tidak ada (atau bukan milik kantor Anda).",
        "No alert {id} that you may see.",
    ),
    "err.alert_already_acknowledged": (
        "Peringatan {id} sudah ditanggapi; tanggapan tidak dicatat dua kali.",
        "Alert {id} was already acknowledged; an acknowledgement is not recorded twice.",
    ),
    "nav.alerts": ("Peringatan", "Alerts"),
    "alert.title": ("Peringatan", "Alerts"),
    "alert.badge": ("{count} peringatan belum ditanggapi", "{count} alerts not acknowledged"),
    "alert.hint": (
        "Peringatan muncul sendiri saat keadaan terjadi dan tertutup saat keadaan berakhir. Tanggapi setiap "
        "peringatan dengan catatan tindakan Anda; tanggapan tercatat di jejak audit.",
        "Alerts are raised by themselves when a condition is seen and close when it ends. Acknowledge each "
        "with a note of what you do; the acknowledgement is recorded in the audit trail.",
    ),
    "alert.show.unacknowledged": ("Belum ditanggapi", "Not acknowledged"),
    "alert.show.open": ("Masih berlangsung", "Still open"),
    "alert.show.all": ("Semua", "All"),
    "alert.kind": ("Jenis", "Kind"),
    "alert.what": ("Keadaan", "Condition"),
    "alert.todo": ("Yang perlu dilakukan", "What to do"),
    "alert.raised": ("Muncul", "Raised"),
    "alert.status": ("Status", "Status"),
    "alert.open": ("Berlangsung", "Open"),
    "alert.cleared": ("Selesai {at}", "Ended {at}"),
    "alert.acknowledge": ("Tanggapi", "Acknowledge"),
    "alert.go": ("Buka halamannya", "Open its page"),
    "alert.note": ("Catatan tindakan", "Note of what you do"),
    "alert.acknowledged_by": ("Ditanggapi {user}, {at}", "Acknowledged by {user}, {at}"),
    "alert.acknowledged": ("Peringatan ditanggapi.", "Alert acknowledged."),
    "alert.none": ("Tidak ada peringatan.", "No alerts."),
    "alert.mailed": ("Terkirim lewat e-mail {at}", "Mailed {at}"),
    "alert.mail_failed": (
        "E-mail belum terkirim ({attempts}x gagal); dicoba lagi.",
        "E-mail not sent yet ({attempts} failed); tried again.",
    ),
    "alert.mail.todo": ("Yang perlu dilakukan", "What to do"),
    "alert.mail.link": ("Buka konsol", "Open the console"),
    "alert.kind.printer_down": ("Printer mati", "Printer down"),
    "alert.kind.agent_down": ("Agen cetak tidak terjangkau", "Print agent unreachable"),
    "alert.kind.stock_low": ("Stok blanko menipis", "Blank cards running low"),
    "alert.kind.approval_waiting": ("Menunggu persetujuan terlalu lama", "Waiting too long for approval"),
    "alert.kind.uncollected": ("Kartu belum diambil", "Cards not collected"),
    "alert.text.printer_down": (
        "Printer {name} ({subject}) di {office} berhenti atau tidak terjangkau sejak {since} "
        "(status {state}: {reasons}).",
        "Printer {name} ({subject}) at {office} has been stopped or unreachable since {since} "
        "(state {state}: {reasons}).",
    ),
    "alert.text.agent_down": (
        "Agen cetak {name} ({subject}) di {office} tidak menghubungi pusat sejak {since}.",
        "Print agent {name} ({subject}) at {office} has not called the centre since {since}.",
    ),
    "alert.text.stock_low": (
        "{office} tinggal {balance} blanko kartu (batas peringatan {threshold}).",
        "{office} has {balance} blank cards left (alert threshold {threshold}).",
    ),
    "alert.text.approval_waiting": (
        "Pekerjaan cetak {name} (alasan {reason}) di {office} menunggu persetujuan supervisor sejak {since}.",
        "Print job {name} (reason {reason}) at {office} has waited for a supervisor's approval since "
        "{since}.",
    ),
    "alert.text.uncollected": (
        "{count} kartu di {office} belum diambil lebih dari {days} hari (terlama {oldest_days} hari, "
        "sejak {since}).",
        "{count} cards at {office} have not been collected for more than {days} days (oldest "
        "{oldest_days} days, since {since}).",
    ),
    "alert.todo.printer_down": (
        "Periksa printer di kantor: daya, kabel jaringan, kartu macet, pita, penutup terbuka. Setelah "
        'diperbaiki, tekan "Cek sekarang" di halaman Printer. Bila lama, pindahkan antrian ke printer lain.',
        "Check the printer at the office: power, network cable, a card jam, the ribbon, an open cover. Once "
        'fixed, press "Check now" on the Printers page. If it takes long, move the queue to another '
        "printer.",
    ),
    "alert.todo.agent_down": (
        "Hubungi kantor: periksa komputer agen cetak dan jaringannya (listrik, modem, layanan agen berjalan). "
        "Pekerjaan yang dipegang agen dicetak setelah tersambung lagi.",
        "Call the office: check the print agent's computer and its line (power, modem, the agent service "
        "running). Jobs the agent holds print once it is back.",
    ),
    "alert.todo.stock_low": (
        "Kirim blanko dari kantor kabupaten (halaman Stok blanko, Kirim) atau minta kiriman ke pemasok; "
        "lakukan stock opname bila angka meragukan.",
        "Send blank cards from the regency office (Blank cards page, Send) or ask the supplier for a "
        "delivery; count the stock if the figure is doubtful.",
    ),
    "alert.todo.approval_waiting": (
        "Supervisor kantor memeriksa permintaan di halaman Persetujuan lalu menyetujui atau menolaknya; "
        "penduduk menunggu kartunya.",
        "The office's supervisor checks the request on the Approvals page and approves or refuses it; "
        "the resident is waiting for the card.",
    ),
    "alert.todo.uncollected": (
        "Hubungi penduduk agar mengambil kartunya (halaman Belum diambil); catat penyerahan saat diambil.",
        "Contact the residents to collect their cards (Not collected page); record each handover.",
    ),
    "user.email": ("E-mail", "E-mail"),
    "audit.alert.acknowledge": ("Menanggapi peringatan", "Acknowledged an alert"),
    "audit.user.email_change": ("Mengubah e-mail pengguna", "Changed a user's e-mail"),
    "audit.office.low_stock_threshold": (
        "Mengubah batas stok menipis kantor",
        "Changed an office's low-stock threshold",
    ),
    "v.email": ("Bukan alamat e-mail (nama@contoh.go.id).", "Not an e-mail address (name@example.go.id)."),
    "user.change_email": ("Ubah e-mail", "Change e-mail"),
    "office.threshold_hint": (
        "Peringatan muncul bila stok kantor ini sebanyak ini atau kurang. Kosong: bawaan layanan.",
        "An alert is raised when this office's stock is this low or lower. Empty: the service's default.",
    ),
    "user.email_hint": (
        "Peringatan dikirim ke alamat ini (administrator dan supervisor). Kosongkan untuk berhenti.",
        "Alerts are mailed here (administrators and supervisors). Leave empty to stop.",
    ),
    "user.email_saved": ("E-mail {username} disimpan.", "E-mail of {username} saved."),
    "office.low_stock_threshold": ("Batas stok menipis", "Low-stock threshold"),
    "office.low_stock_default": ("bawaan: {n}", "default: {n}"),
    "office.threshold_saved": (
        "Batas stok kantor {code} disimpan.",
        "Low-stock threshold of office {code} saved.",
    ),
}


def translate(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The text for ``key`` in ``lang``; an unknown key shows itself (visible in review, never a crash)."""
    entry = CATALOGUE.get(key)
    if entry is None:
        return key
    text = entry[1] if lang == "en" else entry[0]
    return text.format(**values) if values else text


def has(key: str) -> bool:
    return key in CATALOGUE
