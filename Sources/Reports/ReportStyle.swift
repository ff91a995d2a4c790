/// The reports' only stylesheet, inlined in every page: system fonts, a few colours that also
/// work in greyscale (verdicts carry words, not only colour), and a print section. It holds no
/// `<` or `&`, so the page stays well-formed XML.
enum ReportStyle {
    static let css = """
        :root{--ok:#1f7a3a;--ok-bg:#e3f4e8;--bad:#b42318;--bad-bg:#fde8e6;--warn:#8a5a00;--warn-bg:#fff1cc;\
        --skip:#5b6475;--skip-bg:#eef0f3;--ink:#1d2433;--muted:#5b6475;--line:#d0d5dd;--pilot:#2f5d8a;\
        --pilot-bg:#dbe7f5;--helper-bg:#eef2f7;--payload:#b7791f;--payload-bg:#fff1d6;--ns:#6b46c1}
        body{font:14px/1.45 "DejaVu Sans","Liberation Sans",Arial,sans-serif;color:var(--ink);margin:0 auto;\
        max-width:1060px;padding:16px 24px}
        h1{font-size:22px;margin:0 0 2px}
        h2{font-size:17px;margin:26px 0 8px;padding-bottom:2px;border-bottom:2px solid var(--line)}
        h3{font-size:15px;margin:14px 0 4px}
        p{margin:4px 0}
        .meta{color:var(--muted);font-size:12px}
        code,pre,.mono{font-family:"DejaVu Sans Mono","Liberation Mono",monospace;font-size:12px}
        code{overflow-wrap:anywhere}
        pre{background:#f5f6f8;border:1px solid var(--line);border-radius:4px;padding:6px 8px;white-space:pre-wrap;\
        overflow-wrap:anywhere;margin:4px 0}
        table{border-collapse:collapse;width:100%;margin:6px 0 12px}
        th,td{border-bottom:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
        th{background:#f2f4f7;font-size:12px;white-space:nowrap}
        td{overflow-wrap:anywhere}
        td.num{white-space:nowrap}
        td.time{font-size:12px}
        td.words{overflow-wrap:break-word}
        table.processes td:nth-child(4){width:60%}
        .badge{display:inline-block;padding:0 7px;border-radius:9px;font-weight:bold;font-size:12px;white-space:nowrap}
        .st-pass,.ok{background:var(--ok-bg);color:var(--ok)}
        .st-fail,.bad{background:var(--bad-bg);color:var(--bad)}
        .st-warn{background:var(--warn-bg);color:var(--warn)}
        .st-skip,.unknown{background:var(--skip-bg);color:var(--skip)}
        tr.st-pass,tr.st-skip{background:none;color:inherit}
        tr.st-fail td:first-child{border-left:4px solid var(--bad)}
        tr.st-warn td:first-child{border-left:4px solid var(--warn)}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:6px 0}
        dl.facts dt{color:var(--muted)}
        dl.facts dd{margin:0;overflow-wrap:anywhere}
        .job{border:1px solid var(--line);border-left:12px solid var(--skip);border-radius:6px;padding:6px 14px 10px;margin:20px 0}
        .job.isolated{border-left-color:var(--ok)}
        .job.not-isolated{border-left-color:var(--bad)}
        .job h2{border:0;margin:4px 0}
        .verdict{display:inline-block;font-size:15px;font-weight:bold;padding:2px 12px;border-radius:4px;color:#fff;\
        margin-left:10px;vertical-align:2px}
        .verdict.isolated{background:var(--ok)}
        .verdict.not-isolated{background:var(--bad)}
        .verdict.unknown{background:var(--skip)}
        .failing-rules{color:var(--bad);font-weight:bold}
        .legend span{display:inline-block;margin-right:14px;font-size:12px}
        .swatch{display:inline-block;width:12px;height:12px;border:1px solid;border-radius:3px;vertical-align:-2px;margin-right:4px}
        .sw-pilot{background:var(--pilot-bg);border-color:var(--pilot)}
        .sw-helper{background:var(--helper-bg);border-color:#7a8ea6}
        .sw-payload{background:var(--payload-bg);border-color:var(--payload)}
        .sw-ns{border:1px dashed var(--ns)}
        .sw-fail{border:2px solid var(--bad)}
        svg{display:block;width:100%;height:auto;margin:6px 0}
        svg text{font-family:"DejaVu Sans Mono","Liberation Mono",monospace;font-size:12px;fill:var(--ink)}
        .proc rect{stroke-width:1.2}
        .side-pilot rect,.side-wrapper rect{fill:var(--pilot-bg);stroke:var(--pilot)}
        .side-pilot-side rect{fill:var(--helper-bg);stroke:#7a8ea6}
        .side-payload rect{fill:var(--payload-bg);stroke:var(--payload)}
        .proc.failing rect{stroke:var(--bad);stroke-width:2.2}
        tspan.role{font-weight:bold}
        tspan.bad{fill:var(--bad);font-weight:bold}
        tspan.container{fill:var(--ns)}
        .edge{fill:none;stroke:#98a2b3;stroke-width:1.2}
        .ns-box{fill:var(--ns);fill-opacity:.05;stroke:var(--ns);stroke-dasharray:5 3}
        text.ns-label{fill:var(--ns);font-size:11px}
        .bar-ok{fill:var(--ok)}
        .bar-bad{fill:var(--bad)}
        .bar-none{fill:var(--skip-bg)}
        text.bar-label{fill:#fff;font-family:"DejaVu Sans","Liberation Sans",Arial,sans-serif;font-size:15px;font-weight:bold}
        .summary-line{font-size:15px}
        .proof-ok{color:var(--ok);font-weight:bold}
        .proof-bad{color:var(--bad);font-weight:bold}
        .proof-none{color:var(--skip);font-weight:bold}
        footer{margin-top:30px;color:var(--muted);font-size:11px;border-top:1px solid var(--line);padding-top:6px}
        a{color:var(--pilot)}
        @media print{
        body{max-width:none;padding:0;font-size:10px}
        code,pre,.mono,td.time{font-size:8.5px}
        th,.badge,.legend span,.meta{font-size:9px}
        h2,h3{break-after:avoid}
        tr,svg,dl.facts,header{break-inside:avoid}
        .job{border-left-width:6px;padding:4px 8px}
        a{color:inherit;text-decoration:none}
        *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
        @page{size:A4;margin:12mm}
        }
        """
}
