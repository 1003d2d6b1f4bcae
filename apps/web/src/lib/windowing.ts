import { useEffect, useRef, useState, type RefObject } from 'react';

export interface RowWindow {
  start: number;
  end: number;
  padTop: number;
  padBottom: number;
}

/** Which fixed-height rows a scroll box of `height` px at `scrollTop` shows, plus `overscan` each side. */
export function computeWindow(
  count: number,
  rowHeight: number,
  scrollTop: number,
  height: number,
  overscan = 8,
): RowWindow {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const start = Math.min(count, Math.max(0, first - overscan));
  const end = Math.min(count, Math.ceil((Math.max(0, scrollTop) + height) / rowHeight) + overscan);
  return {
    start,
    end: Math.max(start, end),
    padTop: start * rowHeight,
    padBottom: Math.max(0, count - end) * rowHeight,
  };
}

/**
 * Renders only the rows in view of a scroll box, so a list of 10,000 costs what a list of 40 does.
 * Rows must have a fixed height (`rowHeight` px).
 */
export function useWindowedRows<E extends HTMLElement>(
  count: number,
  rowHeight: number,
  overscan = 8,
): RowWindow & { ref: RefObject<E | null> } {
  const ref = useRef<E | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(800);
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    let frame = 0;
    const onScroll = () => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        setScrollTop(el.scrollTop);
      });
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => {
      el.removeEventListener('scroll', onScroll);
      ro.disconnect();
      if (frame) cancelAnimationFrame(frame);
    };
  }, []);
  return { ref, ...computeWindow(count, rowHeight, scrollTop, height, overscan) };
}
