/* labelcheck audit report: draws the page from the JSON in #report-data.
 * Every string from the dataset goes on the page as text (textContent, SVG <title>), never as markup. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var SVG = "http://www.w3.org/2000/svg";
  var FILE_COLOURS = 5;
  var MAX_BARS = 1000; // more columns than this are drawn in ranges
  var MAX_OUTSIDE_BARS = 10;
  var OUTSIDE_BAR = 30; // px per id outside the head

  function node(element, attributes, children) {
    Object.keys(attributes || {}).forEach(function (name) { element.setAttribute(name, attributes[name]); });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      element.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
    });
    return element;
  }
  function el(tag, attributes, children) { return node(document.createElement(tag), attributes, children); }
  function svg(tag, attributes, children) { return node(document.createElementNS(SVG, tag), attributes, children); }
  function number(value) { return Number(value).toLocaleString("en-US"); }
  function shown(value) { return value === null || value === undefined ? "" : typeof value === "string" ? JSON.stringify(value) : String(value); }
  function plural(count, one, many) { return number(count) + " " + (count === 1 ? one : many); }
  function fileClass(index) { return "file" + (index % FILE_COLOURS); }
  function ruleLink(rule) { return el("a", { href: "#rule-" + rule }, [el("code", {}, [rule])]); }
  function section(id, title, children) { return el("section", { id: id }, [el("h2", {}, [title])].concat(children)); }
  function table(head, rows, numeric) {
    var header = el("tr", {}, head.map(function (text, i) { return el("th", numeric && numeric[i] ? { "class": "num" } : {}, [text]); }));
    return el("table", {}, [el("thead", {}, [header]), el("tbody", {}, rows)]);
  }
  function cells(values, numeric) {
    return el("tr", {}, values.map(function (value, i) {
      return el("td", numeric && numeric[i] ? { "class": "num" } : {}, [value]);
    }));
  }
  function baseName(path) { return path.split(/[\\/]/).pop(); }
  function severityText(severity) { return el("span", { "class": "sev sev-" + severity }, [severity]); }
  function tickStep(span, most) { // 1, 2, 5, 10, 20, 50, ...: the first that makes at most `most` ticks
    var step = 1;
    for (var i = 1; span / step > most; i++) step = [1, 2, 5][i % 3] * Math.pow(10, Math.floor(i / 3));
    return step;
  }

  var files = data.files;
  var contract = data.contract;
  var main = el("main", {}, []);
  document.body.appendChild(main);

  /* Verdict, contract, files, findings per rule */
  main.appendChild(el("h1", {}, ["labelcheck audit report"]));
  main.appendChild(el("p", { "class": "muted" }, [data.tool.name + " " + data.tool.version + ", " + plural(files.length, "file", "files") + " scanned together"]));
  var verdict = data.verdict;
  main.appendChild(el("div", { id: "verdict", "class": "verdict " + (verdict.failed ? "failed" : "passed") }, [
    el("strong", {}, [verdict.failed ? "FAILED" : "PASSED"]),
    el("span", {}, [verdict.tally + " (--fail-on " + verdict.fail_on + ")"])
  ]));
  var names = contract.class_names;
  main.appendChild(section("contract", "Contract", [table(["preset", "num_classes", "mapping", "class names"], [cells([
    contract.preset === null ? "none" : contract.preset, number(contract.num_classes), contract.mapping,
    names ? plural(names.length, "name", "names") : "not given (names are not checked)"
  ])])]));

  var fileRows = files.map(function (file, index) {
    var bySeverity = { error: 0, warning: 0, info: 0 };
    file.by_rule.forEach(function (row) { bySeverity[row.severity] += row.count; });
    return cells([el("span", {}, [el("span", { "class": "swatch " + fileClass(index) }, []), file.file]),
      number(file.counts.images), number(file.counts.annotations), number(file.counts.categories),
      number(bySeverity.error), number(bySeverity.warning), number(bySeverity.info)], [0, 1, 1, 1, 1, 1, 1]);
  });
  main.appendChild(section("files", "Files", [table(["file", "images", "annotations", "categories", "errors", "warnings", "info"], fileRows, [0, 1, 1, 1, 1, 1, 1])]));

  var ruleKeys = [];
  var ruleCounts = {};
  files.forEach(function (file, index) {
    file.by_rule.forEach(function (row) {
      var key = row.rule + " " + row.severity;
      if (!(key in ruleCounts)) { ruleCounts[key] = files.map(function () { return 0; }); ruleKeys.push(row); }
      ruleCounts[key][index] = row.count;
    });
  });
  var order = { error: 0, warning: 1, info: 2 };
  ruleKeys.sort(function (a, b) { return order[a.severity] - order[b.severity] || (a.rule < b.rule ? -1 : 1); });
  var perRule = ruleKeys.length ? table(["rule", "severity"].concat(files.map(function (file) { return file.file; })),
    ruleKeys.map(function (row) {
      return cells([ruleLink(row.rule), severityText(row.severity)].concat(ruleCounts[row.rule + " " + row.severity].map(number)),
        [0, 0].concat(files.map(function () { return 1; })));
    }), [0, 0].concat(files.map(function () { return 1; }))) : el("p", {}, ["No findings."]);
  main.appendChild(section("rules-summary", "Findings per rule and severity", [perRule]));

  /* Class distribution over the model's columns */
  function classLabel(column, declared) {
    var name = names ? names[column] : declared[String(column)];
    return "column " + column + (name === undefined || name === null ? "" : " " + JSON.stringify(name));
  }
  function classChart(file, index) {
    var classes = file.statistics.classes;
    var n = classes.num_classes, counts = classes.annotations_per_column, declared = classes.declared_columns;
    var bucket = Math.ceil(n / MAX_BARS), bars = Math.ceil(n / bucket);
    var outsideIds = classes.outside_head.ids.map(function (id, i) { return [id, classes.outside_head.counts[i]]; })
      .sort(function (a, b) { return b[1] - a[1]; });
    var outside = outsideIds.slice(0, MAX_OUTSIDE_BARS).sort(function (a, b) { return a[0] < b[0] ? -1 : 1; });
    var lumped = outsideIds.slice(MAX_OUTSIDE_BARS).reduce(function (sum, pair) { return sum + pair[1]; }, classes.outside_head.other);
    if (lumped) outside.push(["other ids", lumped]);
    var width = 1100, height = 210, left = 48, top = 10, bottom = 34;
    var outsideWidth = outside.length ? 30 + OUTSIDE_BAR * outside.length : 0;
    var plotWidth = width - left - 10 - outsideWidth, plotHeight = height - top - bottom, base = top + plotHeight;
    var values = [];
    for (var b = 0; b < bars; b++) {
      var total = 0;
      for (var c = b * bucket; c < Math.min(n, (b + 1) * bucket); c++) total += counts[c] || 0;
      values.push(total);
    }
    var most = Math.max.apply(null, values.concat(outside.map(function (pair) { return pair[1]; })).concat([1]));
    var scale = function (count) { return count > 0 ? plotHeight * Math.log10(1 + count) / Math.log10(1 + most) : 0; };
    var chart = svg("svg", { "class": "chart class-chart", viewBox: "0 0 " + width + " " + height, role: "img" }, [
      svg("title", {}, ["Annotations per column of the head in " + file.file + " (log scale)"])]);
    var marks = [];
    for (var power = 1; power <= most; power *= 10) marks.push(power);
    if (most > 1.5 * marks[marks.length - 1]) marks.push(most); // the top, when far from a power of ten
    marks.forEach(function (mark) {
      var y = base - scale(mark);
      chart.appendChild(svg("line", { "class": "grid", x1: left, x2: left + plotWidth, y1: y, y2: y }));
      chart.appendChild(svg("text", { x: left - 6, y: y + 4, "text-anchor": "end" }, [number(mark)]));
    });
    var barWidth = Math.max(plotWidth / bars, 0.5);
    var ticks = tickStep(n, 12);
    for (b = 0; b < bars; b++) {
      var x = left + b * plotWidth / bars, first = b * bucket, last = Math.min(n, first + bucket) - 1;
      var count = values[b];
      var undeclared = bucket === 1 && contract.mapping === "raw" && count > 0 && !(String(first) in declared);
      var label = bucket === 1 ? classLabel(first, declared) : "columns " + first + "-" + last;
      var group = svg("g", { "class": "column", "data-column": String(first) }, [
        svg("rect", { "class": "hover", x: x, y: top, width: barWidth, height: plotHeight + 8 }, [
          svg("title", {}, [label + ": " + plural(count, "annotation", "annotations") + " in " + file.file +
            (count === 0 ? " (unused)" : "") + (undeclared ? " (id not declared in categories)" : "")])]),
        svg("rect", { "class": "bar " + (undeclared ? "undeclared" : fileClass(index)), x: x + barWidth * 0.1,
          y: base - scale(count), width: Math.max(barWidth * 0.8, 0.5), height: scale(count) })
      ]);
      if (count === 0) group.appendChild(svg("rect", { "class": "unused", x: x, y: base + 2, width: Math.max(barWidth * 0.9, 0.5), height: 5 }));
      chart.appendChild(group);
      if (first % ticks === 0 || (bucket > 1 && b % Math.ceil(bars / 12) === 0)) {
        chart.appendChild(svg("text", { x: x + barWidth / 2, y: base + 20, "text-anchor": "middle" }, [String(first)]));
      }
    }
    chart.appendChild(svg("line", { "class": "axis", x1: left, x2: left + plotWidth, y1: base, y2: base }));
    chart.appendChild(svg("text", { x: left + plotWidth / 2, y: height - 2, "text-anchor": "middle" }, ["column of the head (0.." + (n - 1) + ")"]));
    if (outside.length) {
      var start = left + plotWidth + 20;
      chart.appendChild(svg("line", { "class": "axis", x1: start - 6, x2: width - 4, y1: base, y2: base }));
      chart.appendChild(svg("text", { x: start + (outsideWidth - 24) / 2, y: height - 2, "text-anchor": "middle" }, ["outside"]));
      outside.forEach(function (pair, i) {
        var bx = start + OUTSIDE_BAR * i;
        chart.appendChild(svg("g", { "class": "outside-id" }, [
          svg("rect", { "class": "hover", x: bx, y: top, width: OUTSIDE_BAR - 2, height: plotHeight + 8 }, [
            svg("title", {}, ["category_id " + shown(pair[0]) + ": " + plural(pair[1], "annotation", "annotations") +
              " that reach no column of the head"])]),
          svg("rect", { "class": "outside", x: bx + 6, y: base - scale(pair[1]), width: OUTSIDE_BAR - 14, height: scale(pair[1]) })
        ]));
        var idText = shown(pair[0]);
        chart.appendChild(svg("text", { x: bx + OUTSIDE_BAR / 2 - 1, y: base + 12, "text-anchor": "middle", "font-size": "9" },
          [idText.length > 6 ? idText.slice(0, 5) + "…" : idText]));
      });
    }
    return chart;
  }
  function idTable(title, tally) {
    if (!tally.ids.length && !tally.other) return null;
    var rows = tally.ids.map(function (id, i) { return cells([shown(id), number(tally.counts[i])], [0, 1]); });
    if (tally.other) rows.push(cells(["other ids", number(tally.other)], [0, 1]));
    return el("div", {}, [el("h3", {}, [title]), table(["category_id", "annotations"], rows, [0, 1])]);
  }
  var withStatistics = files.filter(function (file) { return file.statistics; });
  var classParts = [el("div", { "class": "legend" }, [
    el("span", {}, [el("span", { "class": "swatch file0" }, []), "annotations per column (log scale; one colour per file)"]),
    el("span", {}, [el("span", { "class": "swatch unused" }, []), "unused column"]),
    el("span", {}, [el("span", { "class": "swatch undeclared" }, []), "id not declared, or outside the head"])])];
  files.forEach(function (file, index) {
    if (!file.statistics) return;
    var classes = file.statistics.classes;
    var used = classes.annotations_per_column.filter(function (count) { return count > 0; }).length;
    var outsideTotal = classes.outside_head.counts.reduce(function (a, b) { return a + b; }, classes.outside_head.other);
    classParts.push(el("div", { "class": "panel", "data-file": String(index) }, [
      el("h3", {}, [el("span", { "class": "swatch " + fileClass(index) }, []), file.file]),
      el("p", { "class": "muted" }, [number(used) + " of " + number(classes.num_classes) + " columns used; " +
        plural(outsideTotal, "annotation reaches", "annotations reach") + " no column; " +
        plural(classes.unusable_category_ids, "category_id is", "category_ids are") + " not an integer"]),
      classChart(file, index),
      el("div", { "class": "grid2" }, [idTable("Ids that reach no column of the head", classes.outside_head),
        idTable("Ids not declared in categories", classes.undeclared)])
    ]));
  });
  if (!withStatistics.length) classParts = [el("p", {}, ["Statistics were not computed (--no-statistics)."])];
  main.appendChild(section("classes", "Class distribution over the model's columns", classParts));

  /* Box geometry */
  function edgeText(value) { // whole edges exactly (1,024), others to 3 digits (0.354)
    return (Number.isInteger(value) ? value : Number(value.toPrecision(3))).toLocaleString("en-US");
  }
  function binLabel(edges, i, unit) {
    var low = edges[i], high = i + 1 < edges.length ? edges[i + 1] : null;
    return (high === null ? edgeText(low) + " and more" : edgeText(low) + " to " + edgeText(high)) + unit;
  }
  function histogram(title, key, unit, pick) {
    var histograms = withStatistics.map(function (file) { return pick(file.statistics); });
    var edges = histograms[0].edges;
    var first = edges.length, last = -1;
    histograms.forEach(function (h) {
      h.counts.forEach(function (count, i) { if (count) { first = Math.min(first, i); last = Math.max(last, i); } });
    });
    if (last < 0) return el("div", {}, [el("h3", {}, [title]), el("p", { "class": "muted" }, ["No usable boxes."])]);
    var width = 540, height = 190, left = 52, top = 8, bottom = 40;
    var plotWidth = width - left - 8, plotHeight = height - top - bottom, base = top + plotHeight;
    var bins = last - first + 1;
    var most = Math.max.apply(null, histograms.map(function (h) { return Math.max.apply(null, h.counts); }));
    var chart = svg("svg", { "class": "chart histogram", "data-statistic": key, viewBox: "0 0 " + width + " " + height, role: "img" },
      [svg("title", {}, [title])]);
    var yStep = tickStep(most, 4);
    for (var tick = 0; tick <= most; tick += yStep) {
      var y = base - plotHeight * tick / most;
      chart.appendChild(svg("line", { "class": "grid", x1: left, x2: left + plotWidth, y1: y, y2: y }));
      chart.appendChild(svg("text", { x: left - 6, y: y + 4, "text-anchor": "end" }, [number(tick)]));
    }
    var slot = plotWidth / bins, each = slot * 0.8 / histograms.length;
    var labelEvery = Math.ceil(bins / 8);
    for (var i = first; i <= last; i++) {
      var x = left + (i - first) * slot;
      var tip = binLabel(edges, i, unit) + ": " + withStatistics.map(function (file, k) {
        return file.file + " " + number(histograms[k].counts[i]);
      }).join("; ");
      var group = svg("g", { "class": "bin" }, [svg("rect", { "class": "hover", x: x, y: top, width: slot, height: plotHeight }, [svg("title", {}, [tip])])]);
      histograms.forEach(function (h, k) {
        var barHeight = plotHeight * h.counts[i] / most;
        group.appendChild(svg("rect", { "class": "bar " + fileClass(files.indexOf(withStatistics[k])), x: x + slot * 0.1 + k * each,
          y: base - barHeight, width: each, height: barHeight }));
      });
      chart.appendChild(group);
      if ((i - first) % labelEvery === 0) {
        chart.appendChild(svg("text", { x: x + slot / 2, y: base + 14, "text-anchor": "middle" }, [edgeText(edges[i])]));
      }
    }
    chart.appendChild(svg("line", { "class": "axis", x1: left, x2: left + plotWidth, y1: base, y2: base }));
    chart.appendChild(svg("text", { x: left + plotWidth / 2, y: height - 4, "text-anchor": "middle" }, [title + (unit ? " (" + unit.trim() + ", bins from the value shown)" : "")]));
    return el("div", {}, [el("h3", {}, [title]), chart]);
  }
  if (withStatistics.length) {
    var position = table(["file", "inside", "touching an edge", "outside the image", "image size unknown", "unusable boxes"],
      withStatistics.map(function (file) {
        var p = file.statistics.boxes.position;
        return cells([file.file, number(p.inside), number(p.touching), number(p.outside), number(p.image_size_unknown),
          number(file.statistics.boxes.unusable)], [0, 1, 1, 1, 1, 1]);
      }), [0, 1, 1, 1, 1, 1]);
    main.appendChild(section("geometry", "Box geometry", [
      el("p", { "class": "muted" }, ["Usable boxes (4 finite numbers, width and height > 0). Size bins grow by half octaves (x1.41): the axis is a log scale."]),
      el("div", { "class": "grid2" }, [
        histogram("Box width", "width", " px", function (s) { return s.boxes.width; }),
        histogram("Box height", "height", " px", function (s) { return s.boxes.height; }),
        histogram("Box area", "area", " px²", function (s) { return s.boxes.area; }),
        histogram("Aspect ratio (width / height)", "aspect_ratio", "", function (s) { return s.boxes.aspect_ratio; }),
        histogram("Boxes per image", "boxes_per_image", " boxes", function (s) { return s.images.boxes_per_image; })
      ]),
      el("h3", {}, ["Boxes and their image"]), position,
      el("p", { "class": "muted" }, ["Touching: within 1 px of an edge. Outside: beyond the image's width or height (the bbox-outside-image rule)."])
    ]));
  }

  /* Images with findings (--images): thumbnails, their boxes drawn into the pictures */
  var JPEG_URL = "data:image/jpeg;base64,";
  function size(pair) { return pair[0] + "x" + pair[1]; }
  function boxesText(thumb) {
    var boxes = thumb.boxes;
    if (thumb.boxes_problem) return "boxes not drawn: " + thumb.boxes_problem;
    return plural(boxes.total, "box", "boxes") + (boxes.marked ? ", " + number(boxes.marked) + " with a finding" : "") +
      (boxes.drawn < boxes.total ? " (" + number(boxes.drawn) + " drawn)" : "");
  }
  function thumbTile(thumb) {
    var picture = typeof thumb.src === "string" && thumb.src.indexOf(JPEG_URL) === 0
      ? el("img", { src: thumb.src, width: String(thumb.width), height: String(thumb.height), alt: "thumbnail of " + thumb.image_file })
      : el("div", { "class": "placeholder", role: "img", "aria-label": "no thumbnail of " + thumb.image_file }, [
        el("strong", {}, ["not drawn"]), el("span", {}, [thumb.problem || "no picture"])]);
    var sizes = [];
    if (thumb.json_size) sizes.push("JSON " + size(thumb.json_size));
    if (thumb.image_size) sizes.push("stored " + size(thumb.image_size));
    return el("figure", { "class": "thumb edge-" + thumb.rules[0].severity, "data-file": String(thumb.file) }, [
      picture,
      el("figcaption", {}, [
        el("div", { "class": "thumb-name", title: thumb.image_file }, [thumb.image_file]),
        el("div", { "class": "muted" }, ["image " + shown(thumb.image_id) + (files.length > 1 ? " of " + baseName(files[thumb.file].file) : "") +
          " (" + thumb.path + ")"]),
        el("ul", { "class": "thumb-rules" }, thumb.rules.map(function (row) {
          return el("li", {}, [severityText(row.severity), " ", ruleLink(row.rule), row.count > 1 ? " x" + number(row.count) : null]);
        })),
        el("div", { "class": "muted" }, [boxesText(thumb) + (sizes.length ? "; " + sizes.join(", ") : "")])
      ])
    ]);
  }
  if (data.thumbnails) {
    var limits = data.thumbnail_limits;
    var thumbs = data.thumbnails;
    main.appendChild(section("thumbnails", "Images with findings", [
      el("p", { "class": "muted" }, [plural(thumbs.length, "image", "images") + " with findings (at most " + number(limits.images) +
        ": one of each rule in turn, the errors' rules first), scaled to fit " + limits.size + " px. The stored pixels, " +
        "EXIF orientation not applied, with each box at its JSON coordinates; at most " + number(limits.boxes) +
        " boxes an image, those with a finding first."]),
      el("div", { "class": "legend" }, [
        el("span", {}, [el("span", { "class": "swatch marked" }, []), "box with a finding"]),
        el("span", {}, [el("span", { "class": "swatch other" }, []), "the image's other boxes"])]),
      thumbs.length ? el("div", { "class": "thumbs" }, thumbs.map(thumbTile)) : el("p", {}, ["No image has a finding."])
    ]));
  }

  /* Findings table, filterable */
  var fields = data.finding_fields;
  var at = {};
  fields.forEach(function (name, i) { at[name] = i; });
  var rows = data.findings;
  function distinct(index, describe) {
    var seen = {}, values = [];
    rows.forEach(function (row) {
      var key = JSON.stringify(row[index]);
      if (!(key in seen)) { seen[key] = true; values.push([key, describe(row[index])]); }
    });
    return values;
  }
  function filter(id, label, values) {
    var select = el("select", { id: id }, [el("option", { value: "" }, ["all"])].concat(values.map(function (pair) {
      return el("option", { value: pair[0] }, [pair[1]]);
    })));
    return [el("label", {}, [label, select]), select];
  }
  var filters = [
    ["filter-rule", "rule", at.rule, function (v) { return v; }],
    ["filter-file", "file", at.file, function (v) { return files[v].file; }],
    ["filter-severity", "severity", at.severity, function (v) { return v; }],
    ["filter-category", "category_id", at.category_id, function (v) { return v === null ? "none" : shown(v); }]
  ].map(function (spec) { var made = filter(spec[0], spec[1], distinct(spec[2], spec[3]).slice(0, 500)); made.push(spec[2]); return made; });
  var counter = el("span", { id: "findings-shown", "class": "muted" }, []);
  var bodyRows = rows.map(function (row) {
    var tr = el("tr", {}, [
      el("td", {}, [severityText(row[at.severity])]), el("td", {}, [ruleLink(row[at.rule])]),
      el("td", { "class": "file", title: files[row[at.file]].file }, [baseName(files[row[at.file]].file)]),
      el("td", { "class": "path mono" }, [row[at.path]]),
      el("td", { "class": "num" }, [shown(row[at.annotation_id])]), el("td", { "class": "num" }, [shown(row[at.image_id])]),
      el("td", { "class": "num" }, [shown(row[at.category_id])]), el("td", { "class": "file" }, [row[at.image_file] === null ? "" : row[at.image_file]]),
      el("td", { "class": "message" }, [row[at.message]])]);
    tr.keys = filters.map(function (made) { return JSON.stringify(row[made[2]]); });
    return tr;
  });
  function apply() {
    var chosen = filters.map(function (made) { return made[1].value; });
    var visible = 0;
    bodyRows.forEach(function (tr) {
      var keep = chosen.every(function (value, i) { return value === "" || tr.keys[i] === value; });
      tr.hidden = !keep;
      if (keep) visible++;
    });
    counter.textContent = number(visible) + " of " + plural(rows.length, "finding", "findings") + " listed";
  }
  filters.forEach(function (made) { made[1].addEventListener("change", apply); });
  var leftOut = [];
  files.forEach(function (file) {
    Object.keys(file.left_out).forEach(function (rule) { leftOut.push(file.file + ": " + rule + " " + number(file.left_out[rule]) + " more"); });
  });
  var findingsTable = table(["severity", "rule", "file", "JSON path", "annotation", "image", "category_id", "image file", "message"], bodyRows);
  findingsTable.id = "findings-table";
  main.appendChild(section("findings", "Findings", [
    el("p", { "class": "muted" }, ["The first " + number(data.findings_per_rule) + " findings of each rule in each file." +
      (leftOut.length ? " Not listed: " + leftOut.join("; ") + " (every finding: --format json)." : "")]),
    el("div", { "class": "filters" }, filters.map(function (made) { return made[0]; }).concat([counter])),
    rows.length ? findingsTable : el("p", {}, ["No findings."])
  ]));
  apply();

  /* Rule documentation */
  main.appendChild(section("rules", "Rules", Object.keys(data.rules).map(function (rule) {
    var doc = data.rules[rule];
    return el("div", { "class": "rule-doc", id: "rule-" + rule }, [
      el("h3", {}, [el("code", {}, [rule]), " ", el("span", { "class": "muted" }, ["default severity: "]), severityText(doc.severity)]),
      el("pre", {}, [doc.doc])]);
  })));
})();
