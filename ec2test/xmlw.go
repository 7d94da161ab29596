package ec2test

import (
	"io"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// xw is a small append-only XML writer. EC2 responses are large (a page of
// 1000 instances is several megabytes) and regular, so writing them by hand
// is much faster than encoding/xml and allocates nothing per element.
//
// A document is b, preceded by parts: byte slices spliced in without
// copying (such as instance items rendered in parallel into writers of
// their own, which x then owns and frees with itself). So a large answer
// is never copied into one buffer that grows by doubling.
type xw struct {
	b     []byte
	parts [][]byte // the document before b[mark:]
	mark  int
	owned []*xw
}

var xwPool = sync.Pool{New: func() any { return &xw{b: make([]byte, 0, 4096)} }}

func newXW() *xw {
	x := xwPool.Get().(*xw)
	x.b = x.b[:0]
	x.parts = x.parts[:0]
	x.mark = 0
	x.owned = x.owned[:0]
	return x
}

// free returns the writer, and the writers it owns, to the pool; buffers
// that grew very large are dropped so one huge page does not pin memory.
func (x *xw) free() {
	for _, o := range x.owned {
		o.free()
	}
	clear(x.owned)
	clear(x.parts)
	if cap(x.b) > 16<<20 {
		return
	}
	xwPool.Put(x)
}

// splice appends p to the document without copying it. p must stay
// unchanged until the document is written; when p lives in another
// writer, adopt that writer.
func (x *xw) splice(p []byte) {
	if len(p) == 0 {
		return
	}
	if len(x.b) > x.mark {
		x.parts = append(x.parts, x.b[x.mark:len(x.b):len(x.b)])
	}
	x.parts = append(x.parts, p)
	x.mark = len(x.b)
}

// adopt makes x free o when x is freed.
func (x *xw) adopt(o *xw) { x.owned = append(x.owned, o) }

// size returns the length of the document.
func (x *xw) size() int {
	n := len(x.b) - x.mark
	for _, p := range x.parts {
		n += len(p)
	}
	return n
}

// writeTo writes the document to w.
func (x *xw) writeTo(w io.Writer) error {
	for _, p := range x.parts {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	_, err := w.Write(x.b[x.mark:])
	return err
}

func (x *xw) raw(s string) { x.b = append(x.b, s...) }

func (x *xw) open(name string) {
	x.b = append(x.b, '<')
	x.b = append(x.b, name...)
	x.b = append(x.b, '>')
}

func (x *xw) close(name string) {
	x.b = append(x.b, '<', '/')
	x.b = append(x.b, name...)
	x.b = append(x.b, '>')
}

// elem writes <name>escaped text</name>.
func (x *xw) elem(name, text string) {
	x.open(name)
	x.text(text)
	x.close(name)
}

// str writes an element for a non-nil string pointer.
func (x *xw) str(name string, p *string) {
	if p != nil {
		x.elem(name, *p)
	}
}

// enum writes an element for a non-empty enumeration value.
func (x *xw) enum(name, v string) {
	if v != "" {
		x.elem(name, v)
	}
}

func (x *xw) boolp(name string, p *bool) {
	if p != nil {
		x.open(name)
		x.b = strconv.AppendBool(x.b, *p)
		x.close(name)
	}
}

func (x *xw) int32p(name string, p *int32) {
	if p != nil {
		x.open(name)
		x.b = strconv.AppendInt(x.b, int64(*p), 10)
		x.close(name)
	}
}

// timeFormat is the timestamp layout of EC2 responses.
const timeFormat = "2006-01-02T15:04:05.000Z"

func (x *xw) timep(name string, p *time.Time) {
	if p != nil {
		x.open(name)
		x.b = appendTime(x.b, *p)
		x.close(name)
	}
}

// plain marks the ASCII bytes that are copied to XML text as they are.
var plain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = true
	}
	for _, c := range "<>&\"'" {
		t[c] = false
	}
	return t
}()

// text appends s with the XML special characters escaped. Bytes that are
// not valid UTF-8, and control characters XML 1.0 cannot carry, become
// U+FFFD so the document always parses.
func (x *xw) text(s string) {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf && plain[s[i]] {
		i++
	}
	if i == len(s) {
		x.b = append(x.b, s...)
		return
	}
	x.textSlow(s)
}

func (x *xw) textSlow(s string) {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if plain[c] {
				i++
				continue
			}
			var esc string
			switch c {
			case '<':
				esc = "&lt;"
			case '>':
				esc = "&gt;"
			case '&':
				esc = "&amp;"
			case '"':
				esc = "&#34;"
			case '\'':
				esc = "&#39;"
			case '\n':
				esc = "&#xA;"
			case '\r':
				esc = "&#xD;"
			case '\t':
				esc = "&#x9;"
			default:
				esc = "\uFFFD"
			}
			x.b = append(x.b, s[start:i]...)
			x.b = append(x.b, esc...)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
			x.b = append(x.b, s[start:i]...)
			x.b = append(x.b, "\uFFFD"...)
			i += size
			start = i
			continue
		}
		i += size
	}
	x.b = append(x.b, s[start:]...)
}

// header writes the XML declaration and opens the response element of an
// action, with its request ID.
func (x *xw) header(action, reqID string) {
	x.raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<")
	x.raw(action)
	x.raw(`Response xmlns="` + xmlNamespace + `">`)
	x.elem("requestId", reqID)
}

func (x *xw) footer(action string) {
	x.raw("</")
	x.raw(action)
	x.raw("Response>")
}

// appendTime appends t in timeFormat, faster than time.Format.
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	yy, mo, dd := t.Date()
	hh, mi, ss := t.Clock()
	ms := t.Nanosecond() / 1e6
	d2 := func(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }
	if yy < 0 || yy > 9999 {
		return t.AppendFormat(b, timeFormat)
	}
	b = append(b, byte('0'+yy/1000), byte('0'+yy/100%10), byte('0'+yy/10%10), byte('0'+yy%10), '-')
	b = d2(b, int(mo))
	b = append(b, '-')
	b = d2(b, dd)
	b = append(b, 'T')
	b = d2(b, hh)
	b = append(b, ':')
	b = d2(b, mi)
	b = append(b, ':')
	b = d2(b, ss)
	b = append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
	return b
}
