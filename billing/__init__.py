"""Revenue-share billing: contracts, allocation rules, the append-only hash-chained ledger, periods, signed
statements, reconciliation and month-end documents.

Pure domain and persistence: it knows nothing of FastAPI or of the web application, and reads no settings
(configuration comes in as :class:`billing.config.BillingConfig`). Money is whole rupiah as ``int``
everywhere; every rounding rule is a named function (:mod:`billing.allocation`). Every function that
writes takes the caller's ``Session`` and only flushes: the caller commits.

Public API (import from the submodules)::

    config.BillingConfig(key_dir, zone_name="Asia/Jakarta")      # keys live outside the database
    models                                                        # the billing_* tables (SQLModel.metadata),
        .append_only_ddl(dialect) -> list[str]                    #   triggers for a migration
        .create_billing_tables(engine)                            #   tests/benchmarks only
    errors.BillingError and subclasses                            # .status_code, .code, .message
    vocab.Reason, Payer, ShareKind, Rounding, RemainderRule,      # every closed word list, defined once
          Account, TransactionKind                                #   (StrEnums; the application imports them)

    contracts.parse_terms(dict | json) -> ContractTerms           # InvalidInput naming every problem
    contracts.add_contract_version(session, terms, now=) -> ContractVersion   # ContractOverlap
    contracts.list_contract_versions(session) / end_contract_version(session, id, effective_to)

    ledger                                       # accounts, lines, hashed fields: the chain's record format
    posting.CardPrintedEvent(event_key, card_serial, nik, office_code, reason, printer_id,
                             completed_at, template_version, is_fault_reprint)
    posting.post_card_printed(session, event, config=, now=) -> PostOutcome    # inside the job's transaction
    posting.post_events(session, events, config=, now=) -> PostReport          # outbox consumer, batches
    corrections.post_correction(session, corrects_seq=, correction_key=, note=, config=, now=)
    conflicts.list_conflicts(session) / resolve_conflict(session, id, resolution)
    chain.verify_chain(session, public_key_pem=None, held={where: [Checkpoint]}) -> VerificationResult
    chain.verify_from_checkpoint(session, public_key_pem, held=) -> VerificationResult  # after the newest
    rollups.rollup_groups(session, month) / rollup_differences(session, month=None)     # kept as cards post
    checkpoints.make_checkpoint(session, config, now=, reason=, month=, interval=) -> Checkpoint | None
    checkpoints.checkpoint_due(session, now, interval) / sync_log(session, path) / read_log(path)
    checkpoints.merge_held(path, fetched, public_key_pem) -> (added, problems)   # the partner's copy

    statement.get_statement(session, "YYYY-MM", config=, now=) -> Statement    # open or closed
    lock.lock_billing(session)                     # first, then count unposted events, then close_period
    statement.close_period(session, "YYYY-MM", config=, unposted_events=, now=) -> SignedStatement
    bundle.export_bundle(session, "YYYY-MM", path) -> path
    bundle.verify_bundle(path, public_key_pem, checkpoints=()) -> list[str]    # no database needed
    config.keys.public_key_pem()                                               # to publish

    reconciliation.record_money_received(..., recorded_by=, zone=config.zone)   # DuplicatePaymentReference
    reconciliation.reverse_money_received(session, entry_id, reason=, recorded_by=)  # AlreadyReversed...
    reconciliation.list_money_received(session, month) -> [MoneyEntry]
    reconciliation.import_money_csv(session, month, text, source=, offices=, zone=config.zone)
    reconciliation.set_partner_count(session, month, cards, author=) / partner_count_history(session, month)
    reconciliation.explain_difference(session, month, item, explanation, author=, difference=line.difference)
    reconciliation.reconcile(session, month, PrintingFigures(...), config=) -> ReconciliationReport

    papers.statement_pdf(statement, DocumentSetup(t=, lang=, names=, ...), Stamp(made_on, number)) -> bytes
    papers.berita_acara_pdf(report, statement, setup, stamp, follow_up=) / papers.invoice_pdf(...)
    records.make_document(session, month=, kind=, config=, pattern=, agency=, author=, render=) -> stored
    records.add_signatory / signatory_in_force(session, side, day) / month_documents(session, month)
    documents.entry_rows(session, month) / totals_rows(statement) / write_csv(...) / write_xlsx(...)
    privacy.mask_nik(nik) -> "3314**********01"
"""
